"""HTML pages of security risk management, one module per domain; urls.py names them."""
