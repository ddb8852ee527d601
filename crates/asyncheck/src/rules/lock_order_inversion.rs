use std::collections::BTreeMap;

use crate::diagnostic::Finding;
use crate::index::LockOrder;
use crate::line_index::LineIndex;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{Access, FileLocks, LockEdge, SyntaxKind, SyntaxNode, TextRange};

use super::span;

pub struct LockOrderInversion;

static META: RuleMeta = RuleMeta {
    name: "lock-order-inversion",
    pattern: Pattern::Blocking,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags two locks taken in opposite orders in two places.",
    flags: "Two places of the crate that hold two locks at once and take them in opposite \
orders: one acquires lock A and, while A's guard is alive, acquires B (in the same body, or in a \
function of the file it calls, through up to 3 levels of calls); another acquires B and then A. \
A lock is identified by the place it lives in: a field of a named type (`Server.users`, reached \
as `self.users`, `server.users` for a parameter `server: &Server`, or `self.inner.users` when the \
type of `inner` is written in a struct of the file) or a `static`; a slot of such a field's \
collection of locks (`self.shards[i]`, one lock per shard) is that field's lock, whatever the \
index (two slots of one collection are not a pair); locals and parameters of \
unknown origin are not identified and never flagged. `.lock()`, `.read()` and `.write()` count, \
awaited or not, and so does a call of a crate function that returns a lock's guard; guards live \
as in `double-lock`. Not flagged: the same order everywhere; a guard \
dropped or scoped out before the second acquisition; a pair in which one of the locks is only \
read on both sides (two reads of an `RwLock` do not exclude each other). Each pair of locks is \
reported once. When the two places are in different files of the crate, the finding is in the \
file whose path sorts first, with a label naming the other's path and line (SARIF: a related \
location there). Primary span: of the two second acquisitions (or the calls that reach them), the \
one that comes first; a label names the other.",
    why: "Two tasks or threads that take the same two locks in opposite orders can each get \
their first lock and then wait forever for the other's: a deadlock that appears only under \
concurrency, rarely in tests. Taking locks in one global order everywhere (or never holding two \
at once) rules it out.",
    example: r#"use std::sync::Mutex;

struct Bank {
    accounts: Mutex<Vec<u64>>,
    audit: Mutex<Vec<String>>,
}

impl Bank {
    fn deposit(&self, amount: u64) {
        let mut accounts = self.accounts.lock().unwrap();
        accounts.push(amount);
        self.audit.lock().unwrap().push(format!("deposit {amount}")); //~ lock-order-inversion
    }

    fn report(&self) -> usize {
        let audit = self.audit.lock().unwrap();
        let accounts = self.accounts.lock().unwrap();
        audit.len() + accounts.len()
    }
}
"#,
    use_instead: r#"use std::sync::Mutex;

struct Bank {
    accounts: Mutex<Vec<u64>>,
    audit: Mutex<Vec<String>>,
}

impl Bank {
    fn deposit(&self, amount: u64) {
        let mut accounts = self.accounts.lock().unwrap();
        accounts.push(amount);
        self.audit.lock().unwrap().push(format!("deposit {amount}"));
    }

    fn report(&self) -> usize {
        let accounts = self.accounts.lock().unwrap();
        let audit = self.audit.lock().unwrap();
        audit.len() + accounts.len()
    }
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["double-lock", "async-lock-across-await"],
    clippy_twins: &[],
};

/// The edges between two locks, in one order and in the other.
type Directions<'e> = (Vec<&'e LockEdge>, Vec<&'e LockEdge>);

impl Rule for LockOrderInversion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::SOURCE_FILE]
    }

    fn check(&self, _node: &SyntaxNode, cx: &mut Context<'_>) {
        let text = cx.text;
        let locks = cx.file_fact(|root, imports| FileLocks::of(root, text, imports));
        let edges = locks.edges();
        // Each unordered pair of locks: its edges one way, then the other.
        let mut pairs: BTreeMap<(&str, &str), Directions> = BTreeMap::new();
        for edge in &edges {
            let (a, b) = (edge.first.0.as_str(), edge.second.0.as_str());
            if a < b {
                pairs.entry((a, b)).or_default().0.push(edge);
            } else {
                pairs.entry((b, a)).or_default().1.push(edge);
            }
        }
        let lines = LineIndex::new(text);
        let line = |range: TextRange| lines.line_col(usize::from(range.start())).line;
        for (forward, backward) in pairs.values() {
            let Some((primary, other)) = first_inversion(forward, backward) else {
                let elsewhere = forward
                    .iter()
                    .chain(backward)
                    .find_map(|edge| Some((*edge, inverted_elsewhere(edge, cx)?)));
                if let Some((edge, order)) = elsewhere {
                    let (a, b) = (&edge.first.0, &edge.second.0);
                    let at = format!("{}:{}", order.file, order.line);
                    cx.report(
                        Finding::new(
                            span(edge.site),
                            format!("`{b}` is locked while `{a}` is held, and {at} locks them in the opposite order"),
                        )
                        .label(span(edge.held), format!("`{a}` is held from here"))
                        .label_elsewhere(
                            span(edge.site),
                            format!("at {at} `{a}` is locked while `{b}` is held"),
                            &order.file,
                            order.line,
                        )
                        .help("take the two locks in the same order everywhere, or release one before taking the other"),
                    );
                }
                continue;
            };
            let (a, b) = (&primary.first.0, &primary.second.0);
            cx.report(
                Finding::new(
                    span(primary.site),
                    format!(
                        "`{b}` is locked while `{a}` is held, and line {} locks them in the opposite order",
                        line(other.site)
                    ),
                )
                .label(span(primary.held), format!("`{a}` is held from here"))
                .label(
                    span(other.site),
                    format!("here `{a}` is locked while `{b}` is held (line {})", line(other.site)),
                )
                .help("take the two locks in the same order everywhere, or release one before taking the other"),
            );
        }
    }
}

/// Of the edges taking A then B and those taking B then A, the pair that
/// can deadlock whose second acquisition comes first in the file, that edge
/// first.
fn first_inversion<'e>(
    forward: &[&'e LockEdge],
    backward: &[&'e LockEdge],
) -> Option<(&'e LockEdge, &'e LockEdge)> {
    let mut best: Option<(&LockEdge, &LockEdge)> = None;
    for f in forward {
        for b in backward {
            if !excludes(f, b) {
                continue;
            }
            let (first, other) = if f.site.start() <= b.site.start() {
                (*f, *b)
            } else {
                (*b, *f)
            };
            let better = best.is_none_or(|(p, o)| {
                (first.site.start(), other.site.start()) < (p.site.start(), o.site.start())
            });
            if better {
                best = Some((first, other));
            }
        }
    }
    best
}

/// The first place in another file of the crate that takes `edge`'s two
/// locks in the opposite order and can deadlock with it. A pair is reported
/// in the first file (by path) that takes both, so once per run.
fn inverted_elsewhere<'c>(edge: &LockEdge, cx: &'c Context<'_>) -> Option<&'c LockOrder> {
    let index = cx.imports.crate_index();
    if index.file.is_empty() {
        return None;
    }
    let read = |access: Access| access == Access::Read;
    let (a, b) = (&edge.first.0, &edge.second.0);
    let (forward, backward) = (index.lock_orders(a, b), index.lock_orders(b, a));
    // Pairs are made of what the summaries saw (a lock whose type only the
    // merged index knows is not in them), so that every file of a run
    // agrees on which one reports a pair.
    let seen_here = forward.iter().any(|order| order.file == index.file);
    if !seen_here
        || forward
            .iter()
            .chain(backward)
            .any(|order| order.file < index.file)
    {
        return None;
    }
    backward
        .iter()
        .filter(|order| order.file > index.file)
        .filter(|order| {
            let shared_first = read(edge.first.1) && order.second_read;
            let shared_second = read(edge.second.1) && order.first_read;
            !shared_first && !shared_second
        })
        .min_by(|x, y| (&x.file, x.line).cmp(&(&y.file, y.line)))
}

/// Whether two tasks running `f` and `b` (opposite orders) can each block
/// the other: on each lock, one side's hold and the other's acquisition are
/// not both reads.
fn excludes(f: &LockEdge, b: &LockEdge) -> bool {
    let read = |access: Access| access == Access::Read;
    let shared_first = read(f.first.1) && read(b.second.1);
    let shared_second = read(f.second.1) && read(b.first.1);
    !shared_first && !shared_second
}
