"""What a partner shares with a facility: files, their versions, and uploads sent in parts."""
