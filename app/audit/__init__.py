"""The access log: append (fail closed); checkpoints, proofs and verification come later."""

from app.audit.log import AccessLog, AuditEvent, Outcome

__all__ = ["AccessLog", "AuditEvent", "Outcome"]
