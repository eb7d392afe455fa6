"""The one exception type of icarus-omics.

Raise :class:`IcarusError` where a problem with the user's input is found, with a message
that names the file, sample, gene or column and says how to fix it. Only ``cli.py``
catches it: it prints ``error: <message>`` on stderr and exits with code 1.
"""


class IcarusError(Exception):
    """A problem with the user's input or environment, reported as one line."""
