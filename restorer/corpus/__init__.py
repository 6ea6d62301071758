"""The photo corpus: real photos and photo textures that ship inside Debian packages.

``make corpus`` (``python -m restorer.corpus``) builds it; :mod:`.splits` says
which picture is for training, for validation (every keep-or-drop decision)
and for testing (report only). See the README's "Training data" section.
"""
