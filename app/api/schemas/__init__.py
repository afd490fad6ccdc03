"""Request and response bodies; tables never double as API schemas."""
