use std::collections::HashSet;

use crate::diagnostic::Finding;
use crate::line_index::LineIndex;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    Access, Acquired, FileLocks, LockKind, SyntaxKind, SyntaxNode, TextRange, Then,
};

use super::span;

pub struct DoubleLock;

static META: RuleMeta = RuleMeta {
    name: "double-lock",
    pattern: Pattern::Blocking,
    group: Group::Correctness,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags a lock acquired again while a guard of the same lock is still alive.",
    flags: "A second acquisition of a lock while a guard of it, taken in the same body, is \
still alive: a `Mutex` locked twice; an `RwLock` written while read or written, read while \
written, or read twice (tokio's, parking_lot's and std's are write-preferring); a \
`tokio::sync::Semaphore` acquired (`acquire`, `acquire_many`, `acquire_owned`, \
`acquire_many_owned`) while one of its permits is held; a `dashmap::DashMap`/`DashSet` written \
(`insert`, `remove`, `entry`, `get_mut`, `alter`, `retain`, `clear`) while a guard into it \
(`get`, `get_mut`, `entry`, `iter`, `iter_mut`, or a value bound from them) is alive, or read \
while a write guard is. Sync and async locks both count. The second acquisition is in the same \
body, or in a function of the crate called while the guard is alive (`self.method()`, \
`self.field.method()` or `param.method()` when the receiver's type is written in the file, a \
free function, `Type::function(..)`), directly or through up to 3 levels of calls; an `async fn` \
counts when its call is awaited there. A callee in another file is known by what the crate \
index records of it: the locks it takes (through the calls of its own file) as paths from its \
`self` or parameters, and the label names its file and line. Locks are the same when their places are: the same path \
from `self` or a parameter (`self.a`, `self.inner.a`), the same `static`, or the same local \
binding (of a `let`, or of a pattern: `if let Some(ext) = ..`, a `match` arm); the callee's `self` and parameters are replaced by the call's receiver and arguments. \
A closure that runs in place, not async and handed to a combinator such as `Option::and_then`, \
`Iterator::map` or `unwrap_or_else`, is part of the body: what it locks is locked while the \
body's guards are alive. A call of a crate function that returns the guard of a lock it takes (`fn state(&self) -> \
MutexGuard<'_, State> { self.state.lock().unwrap() }`, or an `async fn` whose call is awaited) \
takes that lock, in the caller's terms, and the caller holds its guard. \
A guard bound with `let` lives to the end of its block, to `drop(guard)`, or until a new value \
assigned to its name is made (`guard = m.lock().unwrap()` locks while the old guard is held; \
`guard = cv.wait(guard).unwrap()` is the same guard handed back by a `Condvar`); a temporary guard to \
the end of its statement; a `match` scrutinee's through every arm; an `if let` scrutinee's \
through its `else` too (before edition 2024; edition 2021 is assumed). Not flagged: `try_lock`, \
`try_read`, `try_write`, `try_acquire` (they do not wait); parking_lot's `ReentrantMutex` and \
`read_recursive`; guards dropped or scoped out first; different receivers (`self.a` and \
`other.a`). Primary span: the second acquisition, or the call that reaches it; a label marks the \
first, and through a call another marks the inner acquisition.",
    why: "The second acquisition waits for the first guard to be released, and the first guard \
is released only after the code that waits: the task (or thread) deadlocks on itself, and every \
other task that wants the lock hangs behind it. A temporary guard is easy to overlook: in \
`v.lock().unwrap().push(v.lock().unwrap().len())` the first guard is still alive when the \
argument locks again, and a `match` on `m.lock().unwrap().get(..)` holds the guard in every arm.",
    example: r#"use std::collections::HashMap;
use std::sync::Mutex;

struct Cache {
    entries: Mutex<HashMap<String, u64>>,
}

impl Cache {
    fn get_or_insert(&self, key: &str) -> u64 {
        match self.entries.lock().unwrap().get(key) {
            Some(value) => *value,
            None => {
                self.entries.lock().unwrap().insert(key.to_owned(), 0); //~ double-lock
                0
            }
        }
    }

    fn bump(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap();
        *entries.entry(key.to_owned()).or_default() += 1;
        self.log_size(); //~ double-lock
    }

    fn log_size(&self) {
        println!("{}", self.entries.lock().unwrap().len());
    }
}
"#,
    use_instead: r#"use std::collections::HashMap;
use std::sync::Mutex;

struct Cache {
    entries: Mutex<HashMap<String, u64>>,
}

impl Cache {
    fn get_or_insert(&self, key: &str) -> u64 {
        let mut entries = self.entries.lock().unwrap();
        *entries.entry(key.to_owned()).or_insert(0)
    }

    fn bump(&self, key: &str) {
        {
            let mut entries = self.entries.lock().unwrap();
            *entries.entry(key.to_owned()).or_default() += 1;
        }
        self.log_size();
    }

    fn log_size(&self) {
        println!("{}", self.entries.lock().unwrap().len());
    }
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["lock-order-inversion", "lock-across-await"],
    clippy_twins: &[],
};

impl Rule for DoubleLock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::SOURCE_FILE]
    }

    fn check(&self, _node: &SyntaxNode, cx: &mut Context<'_>) {
        let text = cx.text;
        let locks = cx.file_fact(|root, imports| FileLocks::of(root, text, imports));
        let lines = LineIndex::new(text);
        let line = |range: TextRange| lines.line_col(usize::from(range.start())).line;
        for body in &locks.bodies {
            let mut reported = HashSet::new();
            for &(held, then) in &body.nested {
                if reported.contains(&then) {
                    continue;
                }
                let first = &body.acquisitions[held];
                let Some(place) = &first.place else { continue };
                // A chain written over several lines reads as one.
                let lock: String = text
                    .get(span(first.receiver))
                    .unwrap_or("the lock")
                    .lines()
                    .map(str::trim)
                    .collect();
                let first_line = line(first.range);
                let finding = match then {
                    Then::Acquisition(index) => {
                        let second = &body.acquisitions[index];
                        if second.place.as_ref() != Some(place)
                            || !waits(first, second.kind, second.access)
                        {
                            continue;
                        }
                        Finding::new(
                            span(second.range),
                            format!("`{lock}` is locked while its guard from line {first_line} is still alive"),
                        )
                    }
                    // A callee given the guard uses it rather than locking.
                    Then::Call(index) if body.guard_passed.contains(&(held, index)) => continue,
                    Then::Call(index) => {
                        let call = &body.calls[index];
                        let reached = locks.reached(call);
                        let Some(inner) = reached.iter().find(|r| {
                            r.place.as_ref() == Some(place) && waits(first, r.kind, r.access)
                        }) else {
                            continue;
                        };
                        let finding = Finding::new(
                            span(call.range),
                            format!("this call locks `{lock}` again while its guard from line {first_line} is still alive"),
                        );
                        match &inner.elsewhere {
                            Some((file, at)) => finding.label_elsewhere(
                                span(call.range),
                                format!("`{}` takes the lock at {file}:{at}", inner.function),
                                file,
                                *at,
                            ),
                            None => finding.label(
                                span(inner.range),
                                format!(
                                    "`{}` takes the lock here (line {})",
                                    inner.function,
                                    line(inner.range)
                                ),
                            ),
                        }
                    }
                };
                reported.insert(then);
                cx.report(
                    finding
                        .label(span(first.range), "the first guard, still alive")
                        .help("release the first guard before locking again (end its scope or `drop(guard)`), or pass the guarded data to the code that needs it"),
                );
            }
        }
    }
}

/// Whether taking the lock in `access` waits for the guard of `first`.
fn waits(first: &Acquired, kind: LockKind, access: Access) -> bool {
    if first.kind != kind || first.reentrant {
        return false;
    }
    match kind {
        LockKind::Mutex | LockKind::RwLock | LockKind::Semaphore => true,
        LockKind::DashMap => first.access == Access::Write || access == Access::Write,
    }
}
