"""The office and its year folders: which folder, which year, and what the office decides
about its own set-up (settings, rosters, holidays). Low in the layers: it reads files of the
office's and imports nothing of intake, the archive or mail but the addresses."""
