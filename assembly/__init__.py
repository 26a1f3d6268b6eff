"""Organisation, assemblies, motions, amendments, petitions, nominations and sortition pools."""
