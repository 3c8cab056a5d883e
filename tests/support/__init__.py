"""Helpers shared by the tests: the project as shipped, commands run as a user runs them."""
