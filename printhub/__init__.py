"""printhub: the operating platform of Jeonju's public 3D-printing centers."""

__version__ = "0.1.0"
