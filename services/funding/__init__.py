"""The voluntary-funding ledger (paragraphs 8-10), one module per concept.

``main`` assembles the app; ``deps`` holds its scopes and typed state; each concept has its
domain module here (``contributors``, ``pledges``, ``agreements``, ``spending``, ``corrections``,
``ledger``, ``rates``, ``reports``), its router in ``api/`` and its models in ``schemas/``.
``journal`` is the posting engine under all of them, ``statements`` the computations behind
the sources-and-uses and per-project reports, ``figures`` the money figures of funds and
projects, ``dates`` the rules on value dates, ``money`` the currencies' minor units,
``registry`` the typed client of the projects registry.
"""
