"""Files and the terminal: reading spreadsheets (readers), writing files (writers), and the
terminal's tables and messages (terminal, the only module that uses Rich)."""
