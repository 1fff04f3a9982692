"""The regional project registry (paragraphs 1-7 of the resolution); the app is
:func:`services.projects.main.create_app`."""
