"""Shared UI: the digit picker, the model loader and pickers, figures, the sidebar's pieces, the components."""
