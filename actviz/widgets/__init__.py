"""The widgets layer: ipywidgets, loaded on first use.

==================  ============================================================
``view``            LiveView: the base of every live view (constructor, protocol,
                    the one throttled render path), PNG display bundles
``controls``        slider layout, the z-range slider, sliders from Param
``explorer``        Explorer (one activation), Comparison (several)
``canvas``          TangentCanvas (anywidget): the explorer's z0 drawn in the
                    browser; its JavaScript is ``tangent_canvas.js``
``training``        gradient-flow, dead-units and training views
``dashboard``       the code-free classroom dashboard (Voila)
``expression_box``  type a formula, see it derived and explored
==================  ============================================================
"""
