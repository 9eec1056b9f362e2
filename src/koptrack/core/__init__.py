"""The library: operations on a database session (register, enroll, join, import, report).
They never print and never import Typer or Rich; they raise KoptrackError subclasses."""
