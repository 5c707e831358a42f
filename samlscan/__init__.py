"""samlscan: offline analyzer for SAML 2.0 logins."""
__version__ = "0.1.0"
