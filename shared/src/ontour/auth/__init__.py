"""Identity and access: who is asking (OIDC tokens, sessions) and what they may do."""
