"""Test support: real servers, started the way the product starts them."""
