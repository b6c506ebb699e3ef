"""Sandbox simulations: drive an individual through the real services without a browser."""
