"""The symbolic layer: sympy (loaded on first use of a name that needs it).

=============  ==============================================================
``parser``     the safe parser: formula text -> sympy expression (no eval)
``limits``     wall-clock limits for symbolic steps
``custom``     from_expression: a typed formula -> an Activation with sympy's g'
=============  ==============================================================
"""
