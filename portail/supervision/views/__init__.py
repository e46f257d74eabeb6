"""Views of the supervision app, one module per screen family."""
