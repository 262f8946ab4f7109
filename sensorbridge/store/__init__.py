"""SQLite storage of sessions, posture intervals and summaries."""
