"""Public contracts: msgspec Structs for the API and every exported document."""
