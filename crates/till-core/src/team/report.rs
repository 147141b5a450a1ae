//! The compliance report as Markdown, for a team lead to read or paste into a ticket.

use std::fmt::Write as _;

use super::check::{Checked, Compliance, Status};

fn line(out: &mut String, item: &Checked) {
    let (mark, note) = match &item.status {
        Status::Pass => ("[x]", String::new()),
        Status::Ticked { tick } => (
            "[x]",
            format!(" (ticked by {} on {})", tick.by, tick.at.format("%Y-%m-%d")),
        ),
        Status::Open => ("[ ]", " (manual: not ticked yet)".to_owned()),
        Status::Fail { findings } => ("[ ]", format!(" ({} key(s) break it)", findings.len())),
    };
    let _ = writeln!(out, "- {mark} {}{note}", item.text);
    if let Status::Fail { findings } = &item.status {
        for finding in findings {
            let _ = writeln!(out, "  - **{}** {}", finding.key, finding.why);
        }
    }
}

impl Compliance {
    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let verdict = if self.compliant {
            "compliant"
        } else {
            "not compliant"
        };
        let _ = writeln!(out, "# {}: key compliance\n", self.team);
        let _ = writeln!(
            out,
            "Checked {} against the inventory: **{verdict}**, {} manual item(s) open.\n",
            self.checked_at.format("%Y-%m-%d %H:%M UTC"),
            self.open_items
        );
        if !self.policies.is_empty() {
            let _ = writeln!(out, "## Policies\n");
            self.policies.iter().for_each(|p| line(&mut out, p));
            out.push('\n');
        }
        for list in &self.checklists {
            let _ = writeln!(out, "## {}\n", list.title);
            list.items.iter().for_each(|i| line(&mut out, i));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::model::tests_support::key;
    use crate::team::{check, parse, Facts, Scans, Ticks};

    #[test]
    fn markdown_lists_what_fails_with_the_keys_and_what_is_open() {
        let file = parse(
            "[team]\nname = \"Payments\"\n[[policy]]\nid = \"owners\"\ndescription = \"Every key has an owner\"\nrule = \"owner_required\"\n\
             [[checklist]]\nid = \"q\"\ntitle = \"Quarterly audit\"\n[[checklist.item]]\ntext = \"Review consoles\"\n",
        )
        .unwrap();
        let keys = [key("Stripe prod", "stripe", "prod")];
        let facts = Facts {
            keys: &keys,
            agents: &[],
            scans: &Scans::new(),
        };
        let report = check(
            &file,
            &facts,
            &Ticks::new(),
            "2026-06-01T00:00:00Z".parse().unwrap(),
        );
        let text = report.to_markdown();
        assert!(text.starts_with("# Payments: key compliance"), "{text}");
        assert!(
            text.contains("**not compliant**, 1 manual item(s) open"),
            "{text}"
        );
        assert!(
            text.contains("- [ ] Every key has an owner (1 key(s) break it)"),
            "{text}"
        );
        assert!(text.contains("  - **Stripe prod** has no owner"), "{text}");
        assert!(
            text.contains("## Quarterly audit\n\n- [ ] Review consoles (manual: not ticked yet)"),
            "{text}"
        );
    }
}
