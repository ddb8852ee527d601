use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::syntax::{
    ast, body_kind, is_join_macro, is_loop, is_select_macro, label_of, segments, unparen, AstNode,
    BodyKind, Imports, SpawnedTasks, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, WalkEvent,
};

use super::span;

pub struct UncancellableLoop;

static META: RuleMeta = RuleMeta {
    name: "uncancellable-loop",
    pattern: Pattern::Cancellation,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: true,
    summary: "Flags endless loops in spawned tasks that have no way to stop.",
    flags: "A `loop` (or `while true`) that runs in a spawned task, when its body awaits \
something and nothing in it leaves the loop. It runs in a spawned task when it is in the async \
block that a spawn runs (`tokio::spawn`, `JoinSet::spawn`, `TaskTracker::spawn`, a runtime \
handle's `spawn`, a `LocalSet`'s `spawn_local`, the `spawn` of a runtime abstraction given as a \
type parameter: `C::AsyncRuntime::spawn(fut)`, `R::spawn(fut)`; seen through `Box::pin(..)`, \
`.instrument(..)` and a local it was bound to: `let poller = async { .. }; \
tokio::spawn(poller)`), or in the body of an \
`async fn` of the same file called as the spawned future (`tokio::spawn(worker(rx))`, \
`tokio::spawn(self.run())`, `Self::run(..)`) or awaited directly by a spawned async block. An \
async block first passed to another call (`spawn(cancelable(token, async { .. }))`) or raced in \
a `select!` is not the task itself: its wrapper may be the cancellation path. The body awaits \
when it has an `.await` of its own (not in a nested closure or async block) or a \
`join!`/`try_join!`, which await their futures. A way out is a `break` or `return` that leaves \
the loop (a `break` of an inner loop does not, a labelled `break` or `continue` of an outer one \
does), a `?`, a `tokio::select!` or `futures::select!` (any macro named `select!` or \
`select_biased!`), anyhow's `bail!`/`ensure!`, or a cancellation token's `.cancelled()` or \
`.is_cancelled()`. Loops with a condition (`while let Some(x) = rx.recv().await`) and loops \
that never await are not flagged.",
    why: "A task that loops forever with no exit can only be stopped by aborting it from the \
outside, and most code never keeps the handle to do so: on shutdown it is killed in the \
middle of whatever it was awaiting, with no chance to flush, close connections or release \
resources. Give every long-running task a cancellation path: `tokio::select!` on a shutdown \
signal or a `CancellationToken`, or a condition that ends the loop when its input closes.",
    example: r#"use std::time::Duration;

async fn flush_metrics() {}

fn start() {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop { //~ uncancellable-loop
            tick.tick().await;
            flush_metrics().await;
        }
    });
}
"#,
    use_instead: r#"use std::time::Duration;
use tokio_util::sync::CancellationToken;

async fn flush_metrics() {}

fn start(shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => flush_metrics().await,
            }
        }
    });
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["detached-spawn", "missing-timeout"],
    clippy_twins: &[],
};

impl Rule for UncancellableLoop {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::LOOP_EXPR, SyntaxKind::WHILE_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(keyword) = endless_loop_keyword(node) else {
            return;
        };
        let loops = LoopFacts::around(node, cx);
        let Some(facts) = loops.0.get(&node.text_range()) else {
            return;
        };
        let Some((owner, owner_kind)) = &facts.owner else {
            return;
        };
        if !facts.scan.awaits || facts.scan.exits {
            return;
        }
        let text = cx.text;
        let tasks = cx.file_fact(|root, imports| SpawnedTasks::of_file(root, text, imports));
        let spawned = match owner_kind {
            BodyKind::AsyncBlock => tasks.runs_block(owner),
            BodyKind::AsyncFn => {
                ast::Fn::cast(owner.clone()).is_some_and(|f| tasks.runs_as_task(&f, cx.imports))
            }
            _ => false,
        };
        if !spawned {
            return;
        }
        cx.report(
            Finding::new(
                span(keyword.text_range()),
                "this loop runs in a spawned task and has no way out: nothing breaks, returns or watches for cancellation",
            )
            .help("give the task a cancellation path: `tokio::select!` on a shutdown signal or a `CancellationToken`, and `break` when it fires"),
        );
    }
}

/// The keyword of a `loop`, or of a `while true`.
fn endless_loop_keyword(node: &SyntaxNode) -> Option<SyntaxToken> {
    if let Some(endless) = ast::LoopExpr::cast(node.clone()) {
        return endless.loop_token();
    }
    let conditional = ast::WhileExpr::cast(node.clone())?;
    let ast::Expr::Literal(literal) = unparen(conditional.condition()?) else {
        return None;
    };
    let is_true = literal
        .syntax()
        .first_token()
        .is_some_and(|t| t.kind() == SyntaxKind::TRUE_KW);
    is_true.then(|| conditional.while_token()).flatten()
}

/// What a loop's body does, in the loop's own body: nested closures and
/// async blocks run elsewhere and do not count.
#[derive(Debug, Default, Clone, Copy)]
struct Scan {
    awaits: bool,
    /// Something leaves the loop.
    exits: bool,
    /// Something leaves every loop around it too: `return`, `?`, `select!`,
    /// a cancellation check.
    escapes: bool,
}

/// What is known of every loop of a file, from one walk: scanning each
/// loop and its ancestors on its own would be quadratic in nested loops.
struct LoopFacts(HashMap<TextRange, LoopFact>);

struct LoopFact {
    scan: Scan,
    /// The function, closure or async block whose body holds the loop.
    owner: Option<(SyntaxNode, BodyKind)>,
}

/// An open scope of the walk.
struct Frame {
    kind: FrameKind,
    /// The innermost loop around the frame, current again when it closes.
    outer: Option<usize>,
    /// The body around the frame, the owner again when it closes.
    owner: Option<(SyntaxNode, BodyKind)>,
}

enum FrameKind {
    /// A closure, async block, function or item: its code is not in the
    /// body of the loops around it.
    Boundary(SyntaxNode, BodyKind),
    /// A labelled block, which a labelled `break` may leave.
    Block(String),
    Loop {
        range: TextRange,
        label: Option<String>,
        scan: Scan,
    },
}

/// The loop facts of each outermost function of the file, computed when a
/// loop in it is first checked: one walk of that function, not of the file.
#[derive(Default)]
struct LoopFactsByFunction(RefCell<HashMap<TextRange, Rc<LoopFacts>>>);

impl LoopFacts {
    /// The facts of the loops in the outermost function around `node`.
    fn around(node: &SyntaxNode, cx: &Context<'_>) -> Rc<LoopFacts> {
        let scope = node
            .ancestors()
            .filter(|n| n.kind() == SyntaxKind::FN)
            .last()
            .unwrap_or_else(|| cx.root.clone());
        let by_function = cx.file_fact(|_, _| LoopFactsByFunction::default());
        let key = scope.text_range();
        if let Some(found) = by_function.0.borrow().get(&key) {
            return Rc::clone(found);
        }
        let facts = Rc::new(LoopFacts::of(&scope, cx.imports));
        by_function.0.borrow_mut().insert(key, Rc::clone(&facts));
        facts
    }

    fn of(root: &SyntaxNode, imports: &Imports) -> LoopFacts {
        let mut facts = HashMap::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut current: Option<usize> = None;
        let mut owner: Option<(SyntaxNode, BodyKind)> = None;
        for event in root.preorder() {
            match event {
                WalkEvent::Enter(node) => {
                    let Some(kind) = opens_frame(&node) else {
                        record(&node, imports, &mut frames, current);
                        continue;
                    };
                    let frame = Frame {
                        outer: current,
                        owner: owner.clone(),
                        kind,
                    };
                    match &frame.kind {
                        FrameKind::Boundary(body, body_kind) => {
                            owner = Some((body.clone(), *body_kind));
                            current = None;
                        }
                        FrameKind::Block(_) => {}
                        FrameKind::Loop { .. } => current = Some(frames.len()),
                    }
                    frames.push(frame);
                }
                WalkEvent::Leave(node) => {
                    if opens_frame(&node).is_none() {
                        continue;
                    }
                    let Some(frame) = frames.pop() else {
                        continue;
                    };
                    current = frame.outer;
                    owner = frame.owner.clone();
                    let FrameKind::Loop { range, scan, .. } = frame.kind else {
                        continue;
                    };
                    facts.insert(
                        range,
                        LoopFact {
                            scan,
                            owner: frame.owner,
                        },
                    );
                    if let Some(outer) = current.and_then(|i| loop_scan(&mut frames, i)) {
                        outer.awaits |= scan.awaits;
                        outer.escapes |= scan.escapes;
                        outer.exits |= scan.escapes;
                    }
                }
            }
        }
        LoopFacts(facts)
    }
}

/// The frame `node` opens, if any.
fn opens_frame(node: &SyntaxNode) -> Option<FrameKind> {
    if let Some(kind) = body_kind(node) {
        return Some(FrameKind::Boundary(node.clone(), kind));
    }
    if is_loop(node) {
        return Some(FrameKind::Loop {
            range: node.text_range(),
            label: label_of(node),
            scan: Scan::default(),
        });
    }
    if node.kind() == SyntaxKind::BLOCK_EXPR {
        return label_of(node).map(FrameKind::Block);
    }
    None
}

fn loop_scan(frames: &mut [Frame], index: usize) -> Option<&mut Scan> {
    match &mut frames.get_mut(index)?.kind {
        FrameKind::Loop { scan, .. } => Some(scan),
        _ => None,
    }
}

/// Notes what `node` does to the innermost loop `current` (and, for a
/// labelled jump, to the loops it leaves).
fn record(node: &SyntaxNode, imports: &Imports, frames: &mut [Frame], current: Option<usize>) {
    let effect = match node.kind() {
        SyntaxKind::AWAIT_EXPR => Effect::Awaits,
        SyntaxKind::RETURN_EXPR | SyntaxKind::TRY_EXPR => Effect::Escapes,
        SyntaxKind::METHOD_CALL_EXPR if is_cancellation_check(node) => Effect::Escapes,
        SyntaxKind::MACRO_CALL => match macro_role(node, imports) {
            MacroRole::Exit => Effect::Escapes,
            MacroRole::Await => Effect::Awaits,
            MacroRole::Other => return,
        },
        SyntaxKind::BREAK_EXPR | SyntaxKind::CONTINUE_EXPR => {
            record_jump(node, frames, current);
            return;
        }
        _ => return,
    };
    let Some(scan) = current.and_then(|i| loop_scan(frames, i)) else {
        return;
    };
    match effect {
        Effect::Awaits => scan.awaits = true,
        Effect::Escapes => {
            scan.exits = true;
            scan.escapes = true;
        }
    }
}

enum Effect {
    Awaits,
    Escapes,
}

/// A `break` leaves the loop it targets and every loop inside that one; a
/// `continue` only the loops inside the one it targets. Without a label
/// they target the innermost loop.
fn record_jump(jump: &SyntaxNode, frames: &mut [Frame], current: Option<usize>) {
    let is_break = jump.kind() == SyntaxKind::BREAK_EXPR;
    let label = jump
        .children()
        .find_map(ast::Lifetime::cast)
        .map(|l| l.syntax().text().to_string());
    let Some(label) = label else {
        if let Some(scan) = current
            .filter(|_| is_break)
            .and_then(|i| loop_scan(frames, i))
        {
            scan.exits = true;
        }
        return;
    };
    for frame in frames.iter_mut().rev() {
        match &mut frame.kind {
            FrameKind::Boundary(..) => return,
            FrameKind::Block(name) if *name == label => return,
            FrameKind::Block(_) => {}
            FrameKind::Loop {
                label: own, scan, ..
            } => {
                if own.as_ref() == Some(&label) {
                    scan.exits |= is_break;
                    return;
                }
                scan.exits = true;
            }
        }
    }
}

fn is_cancellation_check(node: &SyntaxNode) -> bool {
    ast::MethodCallExpr::cast(node.clone())
        .and_then(|call| call.name_ref())
        .is_some_and(|name| {
            matches!(
                name.text(),
                "cancelled" | "cancelled_owned" | "is_cancelled"
            )
        })
}

enum MacroRole {
    /// Leaves the loop, or may: `select!`, anyhow's `bail!`, or a macro
    /// left unparsed whose tokens hold `break`, `return` or `?`.
    Exit,
    /// Awaits the futures it is given: `join!`, `try_join!`.
    Await,
    Other,
}

/// What a macro invocation means for the loop. A `select!` counts as a way
/// out whatever crate it comes from: taking a different macro for one only
/// costs a missed finding.
fn macro_role(node: &SyntaxNode, imports: &Imports) -> MacroRole {
    let Some(call) = ast::MacroCall::cast(node.clone()) else {
        return MacroRole::Other;
    };
    let Some(path) = call.path() else {
        return MacroRole::Other;
    };
    let last = segments(&path).pop().unwrap_or_default();
    let named_exit = matches!(
        last.as_str(),
        "select" | "select_biased" | "bail" | "ensure"
    );
    if named_exit || is_select_macro(&call, imports) {
        return MacroRole::Exit;
    }
    if is_join_macro(&call, imports) {
        return MacroRole::Await;
    }
    let unparsed_exit = call
        .token_tree()
        .is_some_and(|tree| tokens_may_exit(tree.syntax()));
    if unparsed_exit {
        return MacroRole::Exit;
    }
    MacroRole::Other
}

/// Whether the tokens of a macro left unparsed hold a `break`, a `return`
/// or a `?` operator. A `?` counts only after an operand: tracing's
/// `debug!(?value)` shorthand is not one.
fn tokens_may_exit(tree: &SyntaxNode) -> bool {
    let mut previous = SyntaxKind::WHITESPACE;
    for element in tree.descendants_with_tokens() {
        let Some(token) = element.into_token() else {
            continue;
        };
        let kind = token.kind();
        if kind.is_trivia() {
            continue;
        }
        let ends_operand = matches!(
            previous,
            SyntaxKind::IDENT
                | SyntaxKind::R_PAREN
                | SyntaxKind::R_BRACK
                | SyntaxKind::AWAIT_KW
                | SyntaxKind::SELF_KW
        );
        let exits = match kind {
            SyntaxKind::BREAK_KW | SyntaxKind::RETURN_KW => true,
            SyntaxKind::QUESTION => ends_operand,
            _ => false,
        };
        if exits {
            return true;
        }
        previous = kind;
    }
    false
}
