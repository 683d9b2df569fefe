"""The decision as JUnit XML: one testcase per check, so any CI shows the gate like tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from releasegate.gate.decision import Decision


def render_junit(decision: Decision) -> str:
    failing = [c for c in decision.checks if c.verdict in ("FAIL", "NO_DATA") and not c.waived]
    suite = ET.Element(
        "testsuite",
        name=f"releasegate.{decision.stage}",
        tests=str(len(decision.checks)),
        failures=str(sum(c.verdict == "FAIL" for c in failing)),
        errors=str(sum(c.verdict == "NO_DATA" for c in failing)),
        skipped="0",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("decision", decision.decision),
        ("run_id", decision.run_id or ""),
        ("policy_sha256", decision.policy_sha256),
        ("target", decision.target.base_url or ""),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for check in decision.checks:
        case = ET.SubElement(suite, "testcase", classname=f"gate.{check.level}", name=check.id)
        message = f"{check.shown_verdict}: {check.reason}"
        if check.waived:
            ET.SubElement(case, "system-out").text = message
        elif check.verdict == "FAIL":
            ET.SubElement(case, "failure", message=message, type="FAIL").text = message
        elif check.verdict == "NO_DATA":
            ET.SubElement(case, "error", message=message, type="NO_DATA").text = message
        else:
            ET.SubElement(case, "system-out").text = message
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
