"""Configuration: the typed ``Settings`` read from the environment (``config.settings``), the files people
review and their parsers (agency directory, reporting policy ``config.policy``, channels
``config.channels``, message templates, shipped plans; paths in ``config.files``), and the composition
root ``config.app.build_app(settings, directory=None, policy=None)`` that builds what a run needs.

May import: ``models`` (and, for the composition root only, ``notifiers``). Never ``flows``, ``web`` or
``cli``.
"""
