"""The tamper-evident access log.

Import from the submodules: ``app.audit.log`` (the service, needs the database layer),
``app.audit.merkle``, ``app.audit.entry`` and ``app.audit.verify`` (standard library plus
rfc8785 and cryptography, so the offline verifier runs on an auditor's laptop without the hub).
"""
