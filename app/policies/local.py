"""A municipality's own regulation (huishoudelijk reglement) as configuration: it only tightens.

The law sets the floor (DOMAIN.md); a cell's internal rules may be stricter, never looser. A
``LocalPolicy`` is built from a mapping (the hub reads it from LIVC_POLICY_FILE) and yields the
sharing rule table. Anything that would loosen a rule is refused with a clear message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.policies.engine import Effect, RuleOf, Verdict
from app.policies.sharing import (
    JUDICIAL_CLASSES,
    KNOWN_CLASSES,
    LTF_SOURCES,
    POLICE_AND_JUSTICE,
    SECRECY_BOUND_CLASSES,
    SHARING_RULES,
    JudicialPoliceOnly,
    LtfBridge,
    Scope,
    SecrecyFlows,
    ShareReason,
    ShareRequest,
)
from app.policies.vocabulary import AgencyKind

KNOWN_KINDS = frozenset(k.value for k in AgencyKind)
LOCAL_RULE = "local_rule"


class PolicyConfigError(ValueError):
    """The local policy is malformed or would loosen a rule of the law."""


@dataclass(frozen=True)
class LocallyWithheld:
    """A local rule: these classes are never shared in this hub's exchanges."""

    classes: frozenset[str]
    name: str = "locally_withheld"
    scope: Scope = Scope.FLOW

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny the withheld classes to everyone."""
        if request.field.sensitivity in self.classes:
            return Verdict(Effect.DENY, LOCAL_RULE)
        return None


@dataclass(frozen=True)
class LocalPolicy:
    """What a cell's regulation changes; the defaults are the law's floor."""

    secrecy_bound_classes: frozenset[str] = SECRECY_BOUND_CLASSES
    judicial_classes: frozenset[str] = JUDICIAL_CLASSES
    judicial_receivers: frozenset[str] = POLICE_AND_JUSTICE
    ltf_sources: frozenset[str] = LTF_SOURCES
    withheld_classes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> LocalPolicy:
        """Validate a configuration: known names only, and only ever stricter than the law."""
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise PolicyConfigError(f"unknown policy settings: {', '.join(sorted(unknown))}")
        policy = cls(**{k: _names(k, v) for k, v in data.items()})
        policy._check()
        return policy

    def _check(self) -> None:
        _within("secrecy_bound_classes", self.secrecy_bound_classes, KNOWN_CLASSES)
        _within("judicial_classes", self.judicial_classes, KNOWN_CLASSES)
        _within("withheld_classes", self.withheld_classes, KNOWN_CLASSES)
        _within("judicial_receivers", self.judicial_receivers, KNOWN_KINDS)
        _within("ltf_sources", self.ltf_sources, KNOWN_KINDS)
        _tighter("secrecy_bound_classes", SECRECY_BOUND_CLASSES <= self.secrecy_bound_classes)
        _tighter("judicial_classes", JUDICIAL_CLASSES <= self.judicial_classes)
        _tighter("judicial_receivers", self.judicial_receivers <= POLICE_AND_JUSTICE)
        _tighter("ltf_sources", LTF_SOURCES <= self.ltf_sources)

    def rules(self) -> tuple[RuleOf[ShareRequest], ...]:
        """The sharing rule table with this regulation applied."""
        replaced: dict[str, RuleOf[ShareRequest]] = {
            "secrecy_flows": SecrecyFlows(classes=self.secrecy_bound_classes),
            "judicial_police_only": JudicialPoliceOnly(
                classes=self.judicial_classes, receivers=self.judicial_receivers
            ),
            "ltf_bridge": LtfBridge(sources=self.ltf_sources),
        }
        table = [replaced.get(rule.name, rule) for rule in SHARING_RULES]
        if self.withheld_classes:
            table.append(LocallyWithheld(self.withheld_classes))
        return tuple(table)


def _names(key: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyConfigError(f"{key} must be a list of names")
    return frozenset(value)


def _within(key: str, names: frozenset[str], known: frozenset[str]) -> None:
    extra = names - known
    if extra:
        raise PolicyConfigError(f"{key}: unknown names {', '.join(sorted(extra))}")


def _tighter(key: str, ok: bool) -> None:
    if not ok:
        raise PolicyConfigError(f"{key} would loosen the law's rule; a local policy only tightens")


__all__ = ["LOCAL_RULE", "LocalPolicy", "LocallyWithheld", "PolicyConfigError", "ShareReason"]
