use std::collections::BTreeMap;

use crate::diagnostic::Finding;
use crate::line_index::LineIndex;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    lock_id, Access, FileLocks, LockKind, Place, SyntaxKind, SyntaxNode, TextRange, Then,
};

use super::span;

pub struct LockOrderInversion;

static META: RuleMeta = RuleMeta {
    name: "lock-order-inversion",
    pattern: Pattern::Blocking,
    group: Group::Suspicious,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags two locks taken in opposite orders in two places.",
    flags: "Two places of the file that hold two locks at once and take them in opposite \
orders: one acquires lock A and, while A's guard is alive, acquires B (in the same body, or in a \
function of the file it calls, through up to 3 levels of calls); another acquires B and then A. \
A lock is identified by the place it lives in: a field of a named type (`Server.users`, reached \
as `self.users`, `server.users` for a parameter `server: &Server`, or `self.inner.users` when the \
type of `inner` is written in a struct of the file) or a `static`; a slot of such a field's \
collection of locks (`self.shards[i]`, one lock per shard) is that field's lock, whatever the \
index (two slots of one collection are not a pair); locals and parameters of \
unknown origin are not identified and never flagged. `.lock()`, `.read()` and `.write()` count, \
awaited or not; guards live as in `double-lock`. Not flagged: the same order everywhere; a guard \
dropped or scoped out before the second acquisition; a pair in which one of the locks is only \
read on both sides (two reads of an `RwLock` do not exclude each other). Each pair of locks is \
reported once. Primary span: of the two second acquisitions (or the calls that reach them), the \
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
type Directions<'e> = (Vec<&'e Edge>, Vec<&'e Edge>);

/// One lock taken while another's guard is alive.
struct Edge {
    /// The lock held, and how.
    first: (String, Access),
    /// The lock taken under it, and how.
    second: (String, Access),
    /// The first lock's acquisition.
    held: TextRange,
    /// The second acquisition, or the call that reaches it.
    site: TextRange,
}

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
        let edges = edges(&locks);
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

/// Every identified lock taken while another identified lock is held.
fn edges(locks: &FileLocks) -> Vec<Edge> {
    let mut edges = Vec::new();
    for body in &locks.bodies {
        let id = |place: &Option<Place>| lock_id(place.as_ref()?, &locks.types, body);
        for &(held, then) in &body.nested {
            let first = &body.acquisitions[held];
            if !orders(first.kind) {
                continue;
            }
            let Some(first_id) = id(&first.place) else {
                continue;
            };
            let mut add = |second_id: String, access: Access, site: TextRange| {
                if second_id != first_id {
                    edges.push(Edge {
                        first: (first_id.clone(), first.access),
                        second: (second_id, access),
                        held: first.range,
                        site,
                    });
                }
            };
            match then {
                Then::Acquisition(index) => {
                    let second = &body.acquisitions[index];
                    if let Some(second_id) = id(&second.place).filter(|_| orders(second.kind)) {
                        add(second_id, second.access, second.range);
                    }
                }
                Then::Call(index) => {
                    let call = &body.calls[index];
                    for reached in locks.reached(call) {
                        if let Some(second_id) = id(&reached.place).filter(|_| orders(reached.kind))
                        {
                            add(second_id, reached.access, call.range);
                        }
                    }
                }
            }
        }
    }
    edges
}

/// The locks whose order matters here: mutexes and read-write locks.
fn orders(kind: LockKind) -> bool {
    matches!(kind, LockKind::Mutex | LockKind::RwLock)
}

/// Of the edges taking A then B and those taking B then A, the pair that
/// can deadlock whose second acquisition comes first in the file, that edge
/// first.
fn first_inversion<'e>(
    forward: &[&'e Edge],
    backward: &[&'e Edge],
) -> Option<(&'e Edge, &'e Edge)> {
    let mut best: Option<(&Edge, &Edge)> = None;
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

/// Whether two tasks running `f` and `b` (opposite orders) can each block
/// the other: on each lock, one side's hold and the other's acquisition are
/// not both reads.
fn excludes(f: &Edge, b: &Edge) -> bool {
    let read = |access: Access| access == Access::Read;
    let shared_first = read(f.first.1) && read(b.second.1);
    let shared_second = read(f.second.1) && read(b.first.1);
    !shared_first && !shared_second
}
