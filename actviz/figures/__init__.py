"""The figures layer: matplotlib only (no widgets), loaded on first use.

==============  =================================================================
``style``       themes as values, colours, line styles, axes, new_figure
``render``      FigureView (draw + PNG encode: the one render path), StaticFigure
``activation``  ActivationFigure (g, g' and the tangent, blitted), CompareFigure, plot
``training``    gradient flow, dead units, training and training-comparison figures
==============  =================================================================
"""
