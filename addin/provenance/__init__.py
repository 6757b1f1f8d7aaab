"""Provenance (issue 26): where every published number came from — the rule steps the
engine took, and for each input the emailed file, its sender, arrival and cell, or the
office's own entry — assembled outside the engine, which stays pure."""
