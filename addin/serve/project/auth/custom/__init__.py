"""xlwings Server's ``custom`` auth provider: the clerks' tokens (addin/serve/tokens.py)."""

from addin.serve.tokens import validate_token

__all__ = ["validate_token"]
