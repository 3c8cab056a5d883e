"""Mutation testing of the rule modules (`make mutation`); see __main__.py."""
