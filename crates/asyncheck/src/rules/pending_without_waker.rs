use std::collections::HashMap;

use crate::diagnostic::Finding;
use crate::rule::{Context, FixAvailability, Group, Pattern, Rule, RuleMeta};
use crate::syntax::{
    ast::{self, HasArgList, HasLoopBody, HasName},
    callee_path, find_binding, label_of, loop_body, method_name, segments, unparen, AstNode,
    Binding, Imports, NodeOrToken, SyntaxKind, SyntaxNode, TextRange, TextSize,
};

use super::span;

pub struct PendingWithoutWaker;

static META: RuleMeta = RuleMeta {
    name: "pending-without-waker",
    pattern: Pattern::Blocking,
    group: Group::Patterns,
    fix: FixAvailability::None,
    skips_tests: false,
    summary: "Flags `Poll::Pending` returned on a path where nothing was given the task's waker.",
    flags: "A `Poll::Pending` (or an imported `Pending`) returned from a poll function (a \
function or method with a `std::task::Context` parameter returning `Poll<..>`, or the closure \
given to `poll_fn`), when some path from the function's entry to it neither mentions `cx` \
(passing it to an inner poll, `ready!(..)`, `register(cx.waker())`, ...) nor uses \
`cx.waker()`, and that path takes a branch chosen by something outside the value's own state: \
a method that is not a plain state read (`timer.is_elapsed()`, `counter.load(..)`, \
`lock.try_lock()`, `rx.try_recv()`) or a function (`Instant::now()`), or the statement \
right before the `Pending` changes the value's own state (`self.yielded = true; return \
Poll::Pending`, or a variable a `poll_fn` closure captures): the value expects another poll to \
act on the change, and only a wakeup brings one. Every path counts in a function that never names its context at \
all: no earlier poll registered the waker either. The paths follow \
`if`/`else`, `match` arms, loops (a `for` loop is taken to run at least once), \
`break`/`continue`, early `return`s, `let .. else` and diverging macros (`panic!`, \
`unreachable!`); `&&` and `||` count as running both sides (a poll on the right is usually \
skipped only when it is not needed), and a closure or async block that mentions `cx` counts as \
a use where it is written. Methods of the traits whose poll promises a wakeup (`Future`, \
`Stream`, `AsyncRead`, `AsyncWrite`, `AsyncBufRead`, `AsyncSeek`, `Sink`, tower's `Service`, \
http-body's `Body`, hyper's `Read`/`Write`/`Accept`) and `poll_fn` closures are reported \
directly; an inherent method or free function only when one of those returns its `Pending` \
(in tail position, through `return`, `ready!(..)`, or a `Poll::Pending` arm of a `match` on \
it) without using the waker itself. Not flagged: a `Pending` forwarded from an inner poll, a \
path where `cx` or its waker is handed on first, a `Pending` chosen by the value's own state \
alone (`Infinite => Poll::Pending`, `let Some(work) = &mut self.work else { return \
Poll::Pending }`, a poll over an empty set: parked by design until the owner changes the state \
or rebuilds the future), a poll function that never returns `Ready`, a `Pending` under a \
condition on a field or local that an earlier condition whose branch uses `cx` also tests \
(`if !self.ready { poll(cx) } .. if !self.ready { Pending }`: the other side of the same \
state), methods of other traits (libp2p's `NetworkBehaviour::poll` is polled again on every \
event by its owner).",
    why: "Returning `Pending` is a promise that the waker in `cx` has been handed to something \
that will call it when progress is possible: an inner future, a timer, a channel, a stored \
waker. When no path does so, nothing ever wakes the task, the executor never polls it again, \
and it hangs without a trace. The classic case checks a timer with `is_elapsed()` and returns \
`Pending` without polling the timer, which is what would have registered the waker.",
    example: r#"use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::time::Sleep;

struct Deadline {
    timer: Pin<Box<Sleep>>,
}

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.timer.is_elapsed() {
            Poll::Ready(())
        } else {
            Poll::Pending //~ pending-without-waker
        }
    }
}
"#,
    use_instead: r#"use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::time::Sleep;

struct Deadline {
    timer: Pin<Box<Sleep>>,
}

impl Future for Deadline {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Polling the timer registers the waker: the task is woken when it fires.
        self.timer.as_mut().poll(cx)
    }
}
"#,
    options: &[],
    fix_safety: None,
    see_also: &["blocking-in-async"],
    clippy_twins: &[],
};

/// Traits whose poll methods promise to wake the task they return `Pending`
/// to, by last segment: std and futures' `Future`, `Stream`, the I/O traits
/// of tokio and futures, `Sink`, tower's `Service`, http-body's `Body`, hyper's
/// `Read`/`Write`/`Accept`.
const WAKER_TRAITS: &[&str] = &[
    "Future",
    "Stream",
    "AsyncIterator",
    "AsyncRead",
    "AsyncWrite",
    "AsyncBufRead",
    "AsyncSeek",
    "Sink",
    "Service",
    "Body",
    "Read",
    "Write",
    "Accept",
];

const CONTEXT_TYPES: &[&str] = &[
    "std::task::Context",
    "core::task::Context",
    "futures::task::Context",
    "futures_core::task::Context",
    "futures_util::task::Context",
];

const PENDING_PATHS: &[&str] = &[
    "std::task::Poll::Pending",
    "core::task::Poll::Pending",
    "futures::task::Poll::Pending",
    "futures_core::task::Poll::Pending",
    "futures_util::task::Poll::Pending",
];

const POLL_FN_FUNCTIONS: &[&str] = &[
    "std::future::poll_fn",
    "core::future::poll_fn",
    "futures::future::poll_fn",
    "futures_util::future::poll_fn",
    "futures::stream::poll_fn",
    "futures_util::stream::poll_fn",
    "futures_lite::future::poll_fn",
    "futures_lite::stream::poll_fn",
    "async_std::future::poll_fn",
];

/// At most this many helpers of a file are followed into their callers: one
/// bit each in the walk's state.
const MAX_HELPERS: usize = 64;

impl Rule for PendingWithoutWaker {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn kinds(&self) -> &'static [SyntaxKind] {
        &[SyntaxKind::FN, SyntaxKind::CLOSURE_EXPR]
    }

    fn check(&self, node: &SyntaxNode, cx: &mut Context<'_>) {
        let Some(poll) = PollFunction::of(node, cx.imports) else {
            return;
        };
        let walked = walk(&poll, cx.imports, &Helpers::default());
        if walked.pendings.is_empty() || never_ready(&poll.body) {
            return;
        }
        let caller = match &poll.role {
            Role::Polled => None,
            Role::Helper(key) => {
                let callers = cx.file_fact(HelperCallers::of);
                match callers.0.get(key) {
                    Some(site) => Some(*site),
                    None => return,
                }
            }
        };
        let tested = CxTests::of(&poll);
        for pending in walked.pendings {
            if tested.correlates(&poll.body, pending) {
                continue;
            }
            let mut finding = Finding::new(
                span(pending),
                "`Poll::Pending` is returned on a path where the task's waker was given to nothing: no one will wake the task, and it is never polled again",
            )
            .help("hand `cx` on before returning `Pending`: poll the inner future, timer or channel with it, or store `cx.waker().clone()` where the event will wake it (`cx.waker().wake_by_ref()` asks to be polled again at once)");
            if let Some(param) = &poll.param {
                finding = finding.label(span(*param), "the task's context, unused on that path");
            }
            if let Some(site) = caller {
                finding = finding.label(
                    span(site),
                    "a caller returns this `Pending` without using the waker itself",
                );
            }
            cx.report(finding);
        }
    }
}

/// A function polled with a task context.
struct PollFunction {
    body: SyntaxNode,
    /// The name of the `Context` parameter; `None` for `_`.
    cx: Option<String>,
    /// The parameter, for a label.
    param: Option<TextRange>,
    role: Role,
    /// The self type of the `impl` block it is in, by name.
    owner: String,
}

enum Role {
    /// A trait method or a `poll_fn` closure: the executor, or code that
    /// relies on the trait's contract, polls it.
    Polled,
    /// An inherent method or free function: whether its `Pending` reaches an
    /// executor depends on its callers.
    Helper(HelperKey),
}

/// An inherent method (by its `impl`'s self type) or free function (with
/// an empty owner), by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct HelperKey {
    owner: String,
    name: String,
}

impl PollFunction {
    fn of(node: &SyntaxNode, imports: &Imports) -> Option<PollFunction> {
        match node.kind() {
            SyntaxKind::FN => Self::of_fn(&ast::Fn::cast(node.clone())?, imports),
            SyntaxKind::CLOSURE_EXPR => {
                Self::of_closure(&ast::ClosureExpr::cast(node.clone())?, imports)
            }
            _ => None,
        }
    }

    fn of_fn(function: &ast::Fn, imports: &Imports) -> Option<PollFunction> {
        let returns = function.ret_type()?.ty()?;
        if !is_poll_type(&returns) {
            return None;
        }
        let param = function
            .param_list()?
            .params()
            .find(|p| p.ty().is_some_and(|ty| is_context_type(&ty, imports)))?;
        let body = function.body()?.syntax().clone();
        let owner = owner_of(function.syntax());
        let role = match trait_of(function.syntax()) {
            Some(name) if WAKER_TRAITS.contains(&name.as_str()) => Role::Polled,
            // Other traits' owners may poll again on every event of their
            // own (libp2p's `NetworkBehaviour::poll`): their contract is not
            // the waker's.
            Some(_) => return None,
            None => Role::Helper(HelperKey {
                owner: owner.clone(),
                name: function.name()?.text().to_string(),
            }),
        };
        Some(PollFunction {
            body,
            cx: param_name(&param),
            param: Some(param.syntax().text_range()),
            role,
            owner,
        })
    }

    fn of_closure(closure: &ast::ClosureExpr, imports: &Imports) -> Option<PollFunction> {
        let call = ast::CallExpr::cast(closure.syntax().parent()?.parent()?)?;
        imports.resolve(&callee_path(&call)?, POLL_FN_FUNCTIONS)?;
        let param = closure.param_list()?.params().next()?;
        Some(PollFunction {
            body: closure.body()?.syntax().clone(),
            cx: param_name(&param),
            param: Some(param.syntax().text_range()),
            role: Role::Polled,
            owner: owner_of(closure.syntax()),
        })
    }
}

fn param_name(param: &ast::Param) -> Option<String> {
    match param.pat()? {
        ast::Pat::IdentPat(ident) => Some(ident.name()?.text().to_string()),
        _ => None,
    }
}

/// `Poll<..>`, by its last segment: the `Pending` itself is resolved.
fn is_poll_type(ty: &ast::Type) -> bool {
    let ast::Type::PathType(ty) = ty else {
        return false;
    };
    ty.path()
        .and_then(|p| p.segment()?.name_ref())
        .is_some_and(|name| name.text() == "Poll")
}

/// `&mut Context<'_>` of `std::task` (or its re-exports).
fn is_context_type(ty: &ast::Type, imports: &Imports) -> bool {
    let ty = match ty {
        ast::Type::RefType(r) => r.ty(),
        _ => Some(ty.clone()),
    };
    let Some(ast::Type::PathType(ty)) = ty else {
        return false;
    };
    ty.path()
        .is_some_and(|path| imports.resolve(&path, CONTEXT_TYPES).is_some())
}

/// The name of the trait `function` is a method of (implemented or
/// declared), if any.
fn trait_of(function: &SyntaxNode) -> Option<String> {
    let container = function.parent()?.parent()?;
    let name = match container.kind() {
        SyntaxKind::TRAIT => ast::Trait::cast(container)?.name()?.text().to_string(),
        SyntaxKind::IMPL => match ast::Impl::cast(container)?.trait_()? {
            ast::Type::PathType(p) => p.path()?.segment()?.name_ref()?.text().to_string(),
            _ => return None,
        },
        _ => return None,
    };
    Some(name)
}

/// The name of the self type of the `impl` block around `node` (`Conn` for
/// `impl<T> Conn<T>`), or empty outside one.
fn owner_of(node: &SyntaxNode) -> String {
    node.ancestors()
        .find_map(ast::Impl::cast)
        .and_then(|i| match i.self_ty()? {
            ast::Type::PathType(p) => Some(p.path()?.segment()?.name_ref()?.text().to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

/// A poll function that never mentions `Ready` never completes: its
/// `Pending` is the point (`futures::future::pending()`), not a lost wakeup.
fn never_ready(body: &SyntaxNode) -> bool {
    !body.descendants_with_tokens().any(|element| match element {
        NodeOrToken::Token(token) => token.kind() == SyntaxKind::IDENT && token.text() == "Ready",
        NodeOrToken::Node(_) => false,
    })
}

/// The places (fields, locals) that the conditions of a poll function test
/// where a branch uses `cx`. A `Pending` under a condition on one of them
/// most likely sits on the other side of the same state: `if !self.ready {
/// poll(cx) } .. if !self.ready { Pending }` never reaches the `Pending`
/// without the poll. When unsure, the rule does not flag.
#[derive(Default)]
struct CxTests(HashMap<String, Vec<TextRange>>);

/// At most this many conditions around a `Pending`, and conditions on a
/// place, are compared: the work per `Pending` stays bounded.
const MAX_CONDITIONS: usize = 16;

/// How far up from a `Pending` its conditions are looked for.
const MAX_ANCESTORS: usize = 256;

/// A condition is read this far (conditions are small; a hostile one that
/// nests whole blocks is read in part, which errs towards not flagging).
const MAX_CONDITION_NODES: usize = 256;

impl CxTests {
    fn of(poll: &PollFunction) -> CxTests {
        let mut tests = CxTests::default();
        let Some(cx) = poll.cx.as_deref() else {
            return tests;
        };
        let mentions: Vec<TextSize> = poll
            .body
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| t.kind() == SyntaxKind::IDENT && t.text() == cx)
            .map(|t| t.text_range().start())
            .collect();
        let mentioned = |range: TextRange| {
            let first = mentions.partition_point(|at| *at < range.start());
            mentions.get(first).is_some_and(|at| *at < range.end())
        };
        for node in poll.body.descendants() {
            let Some((condition, branches)) = condition_and_branches(&node) else {
                continue;
            };
            if !mentioned(branches) {
                continue;
            }
            for place in places(&condition) {
                tests.0.entry(place).or_default().push(node.text_range());
            }
        }
        tests
    }

    /// Whether a condition around `pending` tests a place that a condition
    /// before it, not around it, tests too.
    fn correlates(&self, body: &SyntaxNode, pending: TextRange) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let Some(node) = body.covering_element(pending).into_node() else {
            return false;
        };
        node.ancestors()
            .take(MAX_ANCESTORS)
            .take_while(|a| a != body)
            .filter_map(|a| condition_and_branches(&a).map(|(condition, _)| condition))
            .take(MAX_CONDITIONS)
            .flat_map(|condition| places(&condition))
            .any(|place| {
                self.0.get(&place).is_some_and(|tested| {
                    tested
                        .iter()
                        .take(MAX_CONDITIONS)
                        .any(|at| at.start() < pending.start() && !at.contains_range(pending))
                })
            })
    }
}

/// The condition of an `if`, `while` or `match` (its scrutinee), and the
/// range of what it guards.
fn condition_and_branches(node: &SyntaxNode) -> Option<(ast::Expr, TextRange)> {
    let (condition, start) = match node.kind() {
        SyntaxKind::IF_EXPR => {
            let expr = ast::IfExpr::cast(node.clone())?;
            let condition = expr.condition()?;
            let start = expr.then_branch()?.syntax().text_range().start();
            (condition, start)
        }
        SyntaxKind::WHILE_EXPR => {
            let expr = ast::WhileExpr::cast(node.clone())?;
            (
                expr.condition()?,
                expr.loop_body()?.syntax().text_range().start(),
            )
        }
        SyntaxKind::MATCH_EXPR => {
            let expr = ast::MatchExpr::cast(node.clone())?;
            (
                expr.expr()?,
                expr.match_arm_list()?.syntax().text_range().start(),
            )
        }
        _ => return None,
    };
    Some((condition, TextRange::new(start, node.text_range().end())))
}

/// The fields and locals a condition reads (`this.state` is `state`).
fn places(condition: &ast::Expr) -> Vec<String> {
    condition
        .syntax()
        .descendants()
        .take(MAX_CONDITION_NODES)
        .filter_map(|n| match n.kind() {
            SyntaxKind::FIELD_EXPR => ast::FieldExpr::cast(n)?.name_ref(),
            // `this` in `this.ready` is not the place tested.
            SyntaxKind::PATH_EXPR
                if n.parent()
                    .is_none_or(|p| p.kind() != SyntaxKind::FIELD_EXPR) =>
            {
                let path = ast::PathExpr::cast(n)?.path()?;
                if path.qualifier().is_some() {
                    return None;
                }
                path.segment()?.name_ref()
            }
            _ => None,
        })
        .map(|name| name.text().to_string())
        .filter(|name| name != "self")
        .collect()
}

/// The helpers of a file that a polled function returns the `Pending` of
/// without using the waker itself, with the place it does so. A crate-wide
/// index would add the callers of other files here (and callers that are
/// helpers themselves, confirmed in turn).
#[derive(Default)]
struct HelperCallers(HashMap<HelperKey, TextRange>);

impl HelperCallers {
    fn of(root: &SyntaxNode, imports: &Imports) -> HelperCallers {
        let functions: Vec<PollFunction> = root
            .descendants()
            .filter(|n| matches!(n.kind(), SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR))
            .filter_map(|n| PollFunction::of(&n, imports))
            .collect();
        let mut helpers = Helpers::default();
        for function in &functions {
            if let Role::Helper(key) = &function.role {
                if helpers.0.len() < MAX_HELPERS && !helpers.0.contains_key(key) {
                    let bit = 1u64 << helpers.0.len();
                    helpers.0.insert(key.clone(), bit);
                }
            }
        }
        let mut callers = HelperCallers::default();
        if helpers.0.is_empty() {
            return callers;
        }
        for function in functions.iter().filter(|f| matches!(f.role, Role::Polled)) {
            for (bits, site) in walk(function, imports, &helpers).confirmed {
                for (key, bit) in &helpers.0 {
                    if bits & bit != 0 {
                        callers.0.entry(key.clone()).or_insert(site);
                    }
                }
            }
        }
        callers
    }
}

/// The helpers followed by a walk, each with its bit.
#[derive(Default)]
struct Helpers(HashMap<HelperKey, u64>);

/// What may hold on the paths reaching a point of the walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct State {
    /// Some path reaches here without a use of `cx`.
    clean: bool,
    /// Some such path took a branch that a condition on the world outside
    /// the value's own state chose (`timer.is_elapsed()`, `flag.load(..)`,
    /// `lock.try_lock()`): something else changes it, and nothing will
    /// wake the task when it does.
    external: bool,
    /// The helpers whose `Pending` some path reaches here with, having used
    /// `cx` only to call that helper.
    via: u64,
}

impl State {
    const UNREACHABLE: State = State {
        clean: false,
        external: false,
        via: 0,
    };

    fn join(self, other: State) -> State {
        State {
            clean: self.clean || other.clean,
            external: self.external || other.external,
            via: self.via | other.via,
        }
    }
}

/// What a walk found.
#[derive(Default)]
struct Walked {
    /// Returned `Pending`s that some path reaches without using `cx`.
    pendings: Vec<TextRange>,
    /// Helpers whose `Pending` is returned on a path with no other use of
    /// `cx`, and where.
    confirmed: Vec<(u64, TextRange)>,
}

/// A step of the walk. Each node is evaluated once, so a walk costs the
/// size of the body (closures it mentions are scanned once more).
enum Op {
    /// Evaluate a node; `tail` when its value is the function's result.
    Eval(SyntaxNode, bool),
    /// Remember the current state as a branching point, with no branch
    /// finished yet.
    Fork,
    /// Start the next branch from the branching point.
    Restore,
    /// Add the current state to the finished branches.
    Merge,
    /// Continue with the finished branches joined.
    Join,
    /// The branch is taken only when the polled helper was `Ready`.
    ClearVia,
    /// A condition on the world outside the value's state chooses what
    /// follows.
    External,
    /// Enter a loop or labelled block; `exits` when leaving without a
    /// `break` is possible from the current state.
    Enter {
        label: Option<String>,
        is_loop: bool,
        continue_exits: bool,
        exits: bool,
    },
    /// The loop may be left from here (a `while` condition, a block's end).
    ExitHere,
    /// Continue after the loop or block with every state that left it.
    Leave,
    Break(Option<String>),
    Continue(Option<String>),
    Diverge,
    /// A helper was called with `cx`; `forwarded` when its `Pending` is
    /// returned as it is.
    HelperCalled {
        bit: u64,
        forwarded: bool,
        site: TextRange,
    },
}

struct Frame {
    label: Option<String>,
    is_loop: bool,
    /// A `for` loop: a `continue` may end its last turn.
    continue_exits: bool,
    exits: State,
}

struct Walk<'a> {
    /// The poll function's body.
    body: SyntaxNode,
    cx: Option<&'a str>,
    imports: &'a Imports,
    owner: &'a str,
    helpers: &'a Helpers,
    state: State,
    forks: Vec<(State, State)>,
    frames: Vec<Frame>,
    ops: Vec<Op>,
    found: Walked,
}

/// Walks a poll function's body in evaluation order, following the paths
/// through branches, loops and early exits with a [`State`] per point.
/// `&&` and `||` are read as running both sides: the poll on a right side
/// is usually skipped only when it is not needed
/// (`!fut.is_terminated() && fut.poll(cx).is_ready()`).
fn walk(function: &PollFunction, imports: &Imports, helpers: &Helpers) -> Walked {
    let mut walk = Walk {
        body: function.body.clone(),
        cx: function.cx.as_deref(),
        imports,
        owner: &function.owner,
        helpers,
        state: State {
            clean: true,
            external: false,
            via: 0,
        },
        forks: Vec::new(),
        frames: Vec::new(),
        ops: vec![Op::Eval(function.body.clone(), true)],
        found: Walked::default(),
    };
    // A function that never names its context registered the waker on no
    // earlier poll either: whatever chose its `Pending`, nothing will wake
    // the task.
    walk.state.external = !walk.mentions_cx(&function.body);
    while let Some(op) = walk.ops.pop() {
        walk.step(op);
    }
    walk.found
}

impl Walk<'_> {
    /// Schedules `ops` to run in the order given.
    fn then(&mut self, ops: Vec<Op>) {
        self.ops.extend(ops.into_iter().rev());
    }

    fn use_cx(&mut self) {
        self.state = State::UNREACHABLE;
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Eval(node, tail) => self.eval(node, tail),
            Op::Fork => self.forks.push((self.state, State::UNREACHABLE)),
            Op::Restore => {
                if let Some((at, _)) = self.forks.last() {
                    self.state = *at;
                }
            }
            Op::Merge => {
                if let Some((_, done)) = self.forks.last_mut() {
                    *done = done.join(self.state);
                }
            }
            Op::Join => {
                if let Some((_, done)) = self.forks.pop() {
                    self.state = done;
                }
            }
            Op::ClearVia => self.state.via = 0,
            Op::External => self.state.external = self.state.clean,
            Op::Enter {
                label,
                is_loop,
                continue_exits,
                exits,
            } => self.frames.push(Frame {
                label,
                is_loop,
                continue_exits,
                exits: if exits {
                    self.state
                } else {
                    State::UNREACHABLE
                },
            }),
            Op::ExitHere => {
                if let Some(frame) = self.frames.last_mut() {
                    frame.exits = frame.exits.join(self.state);
                }
            }
            Op::Leave => {
                if let Some(frame) = self.frames.pop() {
                    self.state = frame.exits;
                }
            }
            Op::Break(label) => {
                let target = self.frames.iter_mut().rev().find(|f| match &label {
                    Some(label) => f.label.as_ref() == Some(label),
                    None => f.is_loop,
                });
                if let Some(frame) = target {
                    frame.exits = frame.exits.join(self.state);
                }
                self.state = State::UNREACHABLE;
            }
            Op::Continue(label) => {
                let target = self.frames.iter_mut().rev().find(|f| match &label {
                    Some(label) => f.label.as_ref() == Some(label),
                    None => f.is_loop,
                });
                if let Some(frame) = target.filter(|f| f.continue_exits) {
                    frame.exits = frame.exits.join(self.state);
                }
                self.state = State::UNREACHABLE;
            }
            Op::Diverge => self.state = State::UNREACHABLE,
            Op::HelperCalled {
                bit,
                forwarded,
                site,
            } => {
                let from = self.state.clean || self.state.via & bit != 0;
                self.state = State {
                    clean: false,
                    external: false,
                    via: if from && !forwarded { bit } else { 0 },
                };
                if from && forwarded {
                    self.found.confirmed.push((bit, site));
                }
            }
        }
    }

    fn eval(&mut self, node: SyntaxNode, tail: bool) {
        match node.kind() {
            SyntaxKind::PATH_EXPR => self.path(&node, tail),
            SyntaxKind::TOKEN_TREE => {
                if self.mentions_cx(&node) {
                    self.use_cx();
                }
            }
            SyntaxKind::CLOSURE_EXPR => {
                if self.mentions_cx(&node) {
                    self.use_cx();
                }
            }
            SyntaxKind::BLOCK_EXPR => self.block(node, tail),
            SyntaxKind::STMT_LIST => {
                let last = ast::StmtList::cast(node.clone()).and_then(|l| l.tail_expr());
                let ops = node
                    .children()
                    .map(|child| {
                        let is_tail = tail && last.as_ref().is_some_and(|l| l.syntax() == &child);
                        Op::Eval(child, is_tail)
                    })
                    .collect();
                self.then(ops);
            }
            SyntaxKind::PAREN_EXPR => self.children(&node, tail),
            SyntaxKind::IF_EXPR => self.if_expr(&node, tail),
            SyntaxKind::MATCH_EXPR => self.match_expr(&node, tail),
            SyntaxKind::LOOP_EXPR | SyntaxKind::WHILE_EXPR | SyntaxKind::FOR_EXPR => {
                self.loop_expr(&node)
            }
            SyntaxKind::BREAK_EXPR => {
                let label = node
                    .children()
                    .find_map(ast::Lifetime::cast)
                    .map(|l| l.syntax().text().to_string());
                let mut ops: Vec<Op> = node
                    .children()
                    .filter(|c| c.kind() != SyntaxKind::LIFETIME)
                    .map(|c| Op::Eval(c, false))
                    .collect();
                ops.push(Op::Break(label));
                self.then(ops);
            }
            SyntaxKind::CONTINUE_EXPR => {
                let label = node
                    .children()
                    .find_map(ast::Lifetime::cast)
                    .map(|l| l.syntax().text().to_string());
                self.then(vec![Op::Continue(label)]);
            }
            SyntaxKind::RETURN_EXPR => {
                let mut ops: Vec<Op> = node.children().map(|c| Op::Eval(c, true)).collect();
                ops.push(Op::Diverge);
                self.then(ops);
            }
            SyntaxKind::LET_STMT => self.let_stmt(&node),
            SyntaxKind::METHOD_CALL_EXPR | SyntaxKind::CALL_EXPR => self.call(&node, tail),
            SyntaxKind::MACRO_CALL if diverges(&node) => {
                let mut ops: Vec<Op> = node.children().map(|c| Op::Eval(c, false)).collect();
                ops.push(Op::Diverge);
                self.then(ops);
            }
            _ if is_item(node.kind()) => {}
            _ => self.children(&node, false),
        }
    }

    fn children(&mut self, node: &SyntaxNode, tail: bool) {
        let ops = node.children().map(|c| Op::Eval(c, tail)).collect();
        self.then(ops);
    }

    fn path(&mut self, node: &SyntaxNode, tail: bool) {
        let Some(path) = ast::PathExpr::cast(node.clone()).and_then(|p| p.path()) else {
            return;
        };
        if self.cx.is_some_and(|cx| is_name(&path, cx)) {
            self.use_cx();
            return;
        }
        if !tail || self.imports.resolve(&path, PENDING_PATHS).is_none() {
            return;
        }
        // A value that changes its own state right before it waits expects
        // to be polled again to act on the change (`self.yielded = true;
        // Poll::Pending`), which only a wakeup brings.
        if self.state.external || (self.state.clean && changed_just_before(node, &self.body)) {
            self.found.pendings.push(node.text_range());
        }
        if self.state.via != 0 {
            self.found
                .confirmed
                .push((self.state.via, node.text_range()));
        }
    }

    fn block(&mut self, node: SyntaxNode, tail: bool) {
        let Some(block) = ast::BlockExpr::cast(node.clone()) else {
            return;
        };
        if block.async_token().is_some() {
            if self.mentions_cx(&node) {
                self.use_cx();
            }
            return;
        }
        let Some(list) = block.stmt_list() else {
            return;
        };
        match label_of(&node) {
            Some(label) => self.then(vec![
                Op::Enter {
                    label: Some(label),
                    is_loop: false,
                    continue_exits: false,
                    exits: false,
                },
                Op::Eval(list.syntax().clone(), tail),
                Op::ExitHere,
                Op::Leave,
            ]),
            None => self.then(vec![Op::Eval(list.syntax().clone(), tail)]),
        }
    }

    fn if_expr(&mut self, node: &SyntaxNode, tail: bool) {
        let Some(expr) = ast::IfExpr::cast(node.clone()) else {
            return;
        };
        let readiness = expr.condition().and_then(|c| tested_readiness(&c));
        let mut ops = Vec::new();
        if let Some(condition) = expr.condition() {
            ops.push(Op::Eval(condition.syntax().clone(), false));
            if is_external(&condition) {
                ops.push(Op::External);
            }
        }
        ops.push(Op::Fork);
        if readiness == Some(true) {
            ops.push(Op::ClearVia);
        }
        if let Some(then) = expr.then_branch() {
            ops.push(Op::Eval(then.syntax().clone(), tail));
        }
        ops.extend([Op::Merge, Op::Restore]);
        if readiness == Some(false) {
            ops.push(Op::ClearVia);
        }
        match expr.else_branch() {
            Some(ast::ElseBranch::Block(block)) => ops.push(Op::Eval(block.syntax().clone(), tail)),
            Some(ast::ElseBranch::IfExpr(other)) => {
                ops.push(Op::Eval(other.syntax().clone(), tail))
            }
            None => {}
        }
        ops.extend([Op::Merge, Op::Join]);
        self.then(ops);
    }

    fn match_expr(&mut self, node: &SyntaxNode, tail: bool) {
        let Some(expr) = ast::MatchExpr::cast(node.clone()) else {
            return;
        };
        let mut ops = Vec::new();
        if let Some(scrutinee) = expr.expr() {
            ops.push(Op::Eval(scrutinee.syntax().clone(), false));
            if is_external(&scrutinee) {
                ops.push(Op::External);
            }
        }
        ops.push(Op::Fork);
        for arm in expr.match_arm_list().into_iter().flat_map(|l| l.arms()) {
            ops.push(Op::Restore);
            if arm
                .pat()
                .is_some_and(|p| pattern_readiness(&p) == Some(true))
            {
                ops.push(Op::ClearVia);
            }
            if let Some(condition) = arm.guard().and_then(|g| g.condition()) {
                ops.push(Op::Eval(condition.syntax().clone(), false));
            }
            if let Some(value) = arm.expr() {
                ops.push(Op::Eval(value.syntax().clone(), tail));
            }
            ops.push(Op::Merge);
        }
        ops.push(Op::Join);
        self.then(ops);
    }

    /// The state at a loop's head is the state on entry: a use of `cx`
    /// in the body only removes clean paths, so later turns add none.
    fn loop_expr(&mut self, node: &SyntaxNode) {
        let label = label_of(node);
        let body = |ops: &mut Vec<Op>| {
            if let Some(body) = loop_body(node) {
                ops.push(Op::Eval(body.syntax().clone(), false));
            }
        };
        let mut ops = Vec::new();
        match node.kind() {
            SyntaxKind::FOR_EXPR => {
                if let Some(iterable) = ast::ForExpr::cast(node.clone()).and_then(|f| f.iterable())
                {
                    ops.push(Op::Eval(iterable.syntax().clone(), false));
                }
                // Taken to run at least once: a poll over an empty set of
                // futures is pending by design (`for f in &mut futs { .. }
                // Pending` awaited in a `select!` that rebuilds it).
                ops.push(Op::Enter {
                    label,
                    is_loop: true,
                    continue_exits: true,
                    exits: false,
                });
                body(&mut ops);
                ops.push(Op::ExitHere);
            }
            SyntaxKind::WHILE_EXPR => {
                ops.push(Op::Enter {
                    label,
                    is_loop: true,
                    continue_exits: false,
                    exits: false,
                });
                if let Some(condition) =
                    ast::WhileExpr::cast(node.clone()).and_then(|w| w.condition())
                {
                    let external = is_external(&condition);
                    ops.push(Op::Eval(condition.syntax().clone(), false));
                    if external {
                        ops.push(Op::External);
                    }
                }
                ops.push(Op::ExitHere);
                body(&mut ops);
            }
            _ => {
                ops.push(Op::Enter {
                    label,
                    is_loop: true,
                    continue_exits: false,
                    exits: false,
                });
                body(&mut ops);
            }
        }
        ops.push(Op::Leave);
        self.then(ops);
    }

    /// The `else` of a `let .. else` diverges: what follows runs on the
    /// paths through the initialiser alone.
    fn let_stmt(&mut self, node: &SyntaxNode) {
        let Some(statement) = ast::LetStmt::cast(node.clone()) else {
            return;
        };
        let Some(otherwise) = statement.let_else().and_then(|e| e.block_expr()) else {
            return self.children(node, false);
        };
        let mut ops = Vec::new();
        if let Some(init) = statement.initializer() {
            ops.push(Op::Eval(init.syntax().clone(), false));
            if is_external(&init) {
                ops.push(Op::External);
            }
        }
        ops.extend([
            Op::Fork,
            Op::Eval(otherwise.syntax().clone(), false),
            Op::Restore,
            Op::Merge,
            Op::Join,
        ]);
        self.then(ops);
    }

    fn call(&mut self, node: &SyntaxNode, tail: bool) {
        if let Some(bit) = self.helper_bit(node) {
            let forwarded = tail || in_ready_macro(node);
            let mut ops: Vec<Op> = node
                .children()
                .flat_map(|c| match c.kind() {
                    SyntaxKind::ARG_LIST => c.children().collect::<Vec<_>>(),
                    _ => vec![c],
                })
                .filter(|c| !self.is_cx(c))
                .map(|c| Op::Eval(c, false))
                .collect();
            ops.push(Op::HelperCalled {
                bit,
                forwarded,
                site: node.text_range(),
            });
            return self.then(ops);
        }
        // `poll.map(..)` returns the same `Pending`.
        let maps = tail
            && ast::MethodCallExpr::cast(node.clone())
                .and_then(|c| method_name(&c))
                .is_some_and(|name| matches!(name.as_str(), "map" | "map_ok" | "map_err"));
        if !maps {
            return self.children(node, false);
        }
        let ops = node
            .children()
            .enumerate()
            .map(|(i, c)| Op::Eval(c, i == 0))
            .collect();
        self.then(ops);
    }

    /// The bit of the followed helper `node` calls with `cx`: `self.name(..)`,
    /// `Self::name(..)` or a free `name(..)`.
    fn helper_bit(&self, node: &SyntaxNode) -> Option<u64> {
        if self.helpers.0.is_empty() {
            return None;
        }
        let (key, args) = match node.kind() {
            SyntaxKind::METHOD_CALL_EXPR => {
                let call = ast::MethodCallExpr::cast(node.clone())?;
                let receiver = call.receiver()?;
                if receiver.syntax().text() != "self" {
                    return None;
                }
                let key = HelperKey {
                    owner: self.owner.to_owned(),
                    name: method_name(&call)?.to_string(),
                };
                (key, call.arg_list()?)
            }
            _ => {
                let call = ast::CallExpr::cast(node.clone())?;
                let names = segments(&callee_path(&call)?);
                let key = match names.as_slice() {
                    [name] => HelperKey {
                        owner: String::new(),
                        name: name.clone(),
                    },
                    [owner, name] if owner == "Self" => HelperKey {
                        owner: self.owner.to_owned(),
                        name: name.clone(),
                    },
                    _ => return None,
                };
                (key, call.arg_list()?)
            }
        };
        let passes_cx = args.args().any(|a| self.is_cx(a.syntax()));
        let bit = *self.helpers.0.get(&key)?;
        passes_cx.then_some(bit)
    }

    fn is_cx(&self, node: &SyntaxNode) -> bool {
        let Some(cx) = self.cx else {
            return false;
        };
        ast::PathExpr::cast(node.clone())
            .and_then(|p| p.path())
            .is_some_and(|path| is_name(&path, cx))
    }

    /// Whether `cx` is named anywhere in `node` (in a closure, an async
    /// block or a macro's tokens).
    fn mentions_cx(&self, node: &SyntaxNode) -> bool {
        let Some(cx) = self.cx else {
            return false;
        };
        node.descendants_with_tokens().any(|element| match element {
            NodeOrToken::Token(token) => token.kind() == SyntaxKind::IDENT && token.text() == cx,
            NodeOrToken::Node(_) => false,
        })
    }
}

/// Whether the statement right before the `Pending` expression `pending`,
/// in its own block, assigns to the value's own state.
fn changed_just_before(pending: &SyntaxNode, body: &SyntaxNode) -> bool {
    let statement = pending
        .ancestors()
        .take_while(|n| n.kind() != SyntaxKind::STMT_LIST)
        .last()
        .filter(|top| {
            top.ancestors()
                .skip(1)
                .take_while(|n| n.kind() != SyntaxKind::STMT_LIST)
                .next()
                .is_none()
        });
    let Some(statement) = statement.filter(|s| {
        matches!(
            s.kind(),
            SyntaxKind::EXPR_STMT | SyntaxKind::PATH_EXPR | SyntaxKind::RETURN_EXPR
        )
    }) else {
        return false;
    };
    statement
        .prev_sibling()
        .and_then(ast::ExprStmt::cast)
        .and_then(|s| s.expr())
        .is_some_and(|expr| changes_own_state(expr.syntax(), body))
}

/// Whether `node` assigns (`=`, `+=`, ...) to the polled value's own state:
/// a place reached from `self`, or a variable the `poll_fn` closure `body`
/// captures (declared outside it).
fn changes_own_state(node: &SyntaxNode, body: &SyntaxNode) -> bool {
    let Some(assign) = ast::BinExpr::cast(node.clone()) else {
        return false;
    };
    if !matches!(assign.op_kind(), Some(ast::BinaryOp::Assignment { .. })) {
        return false;
    }
    let mut place = assign.lhs();
    while let Some(expr) = place.map(unparen) {
        place = match expr {
            ast::Expr::FieldExpr(field) => field.expr(),
            ast::Expr::IndexExpr(index) => index.base(),
            ast::Expr::PrefixExpr(deref) => deref.expr(),
            ast::Expr::PathExpr(path) => {
                let Some(name) = path.path().and_then(|p| p.segment()) else {
                    return false;
                };
                if name.self_token().is_some() {
                    return true;
                }
                let Some(name) = name.name_ref() else {
                    return false;
                };
                let Some(closure) = body
                    .parent()
                    .filter(|p| p.kind() == SyntaxKind::CLOSURE_EXPR)
                else {
                    return false;
                };
                let declared = match find_binding(node, name.text()) {
                    Some(Binding::Let(binding)) => binding.syntax().text_range(),
                    Some(Binding::Param(param)) => param.syntax().text_range(),
                    _ => return false,
                };
                return !closure.text_range().contains_range(declared);
            }
            _ => return false,
        };
    }
    false
}

/// Methods that read a value's own state: a branch they choose is a state
/// the value is in, which changes only when its owner acts on it.
const STATE_READS: &[&str] = &[
    "is_empty",
    "is_none",
    "is_some",
    "is_ok",
    "is_err",
    "is_terminated",
    "len",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "as_pin_mut",
    "as_pin_ref",
    "project",
    "project_ref",
    "get",
    "get_mut",
    "get_ref",
    "first",
    "last",
    "front",
    "back",
    "front_mut",
    "back_mut",
    "take",
    "replace",
    "iter",
    "iter_mut",
    "clone",
    "borrow",
    "borrow_mut",
    "contains",
    "contains_key",
    "pop",
    "pop_front",
    "pop_back",
    "unwrap",
    "expect",
    "deref",
    "deref_mut",
    "project_replace",
    "ok",
    "err",
    "map",
    "copied",
    "cloned",
    "keys",
    "values",
];

/// Whether a condition reads something besides the value's own state: a
/// method outside [`STATE_READS`] on anything but `self` (`is_elapsed()`,
/// `load(..)`, `try_lock()`, `try_recv()`), or a function (`Instant::now()`).
/// A `Pending` chosen by state alone is how a future parks in a state that
/// only its owner leaves (`Infinite => Poll::Pending`, an empty set polled
/// in a `select!` that rebuilds it): by design, not a lost wakeup.
fn is_external(condition: &ast::Expr) -> bool {
    condition
        .syntax()
        .descendants()
        .take(MAX_CONDITION_NODES)
        .any(|node| match node.kind() {
            SyntaxKind::METHOD_CALL_EXPR => ast::MethodCallExpr::cast(node).is_some_and(|call| {
                let on_self = call.receiver().is_some_and(|r| r.syntax().text() == "self");
                let reads =
                    method_name(&call).is_some_and(|name| STATE_READS.contains(&name.as_str()));
                !on_self && !reads
            }),
            SyntaxKind::CALL_EXPR => ast::CallExpr::cast(node)
                .and_then(|call| callee_path(&call))
                .and_then(|path| path.segment()?.name_ref())
                .is_some_and(|name| {
                    let name = name.text();
                    name.starts_with(|c: char| c.is_lowercase()) && !matches!(name, "new" | "pin")
                }),
            _ => false,
        })
}

fn is_name(path: &ast::Path, name: &str) -> bool {
    path.qualifier().is_none()
        && path
            .segment()
            .and_then(|s| s.name_ref())
            .is_some_and(|n| n.text() == name)
}

fn is_item(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::FN
            | SyntaxKind::STRUCT
            | SyntaxKind::ENUM
            | SyntaxKind::UNION
            | SyntaxKind::IMPL
            | SyntaxKind::TRAIT
            | SyntaxKind::MODULE
            | SyntaxKind::CONST
            | SyntaxKind::STATIC
            | SyntaxKind::USE
            | SyntaxKind::TYPE_ALIAS
            | SyntaxKind::MACRO_RULES
    )
}

/// `panic!`, `unreachable!`, `todo!`, `unimplemented!`: no path goes on.
fn diverges(call: &SyntaxNode) -> bool {
    ast::MacroCall::cast(call.clone())
        .and_then(|m| m.path())
        .and_then(|p| p.segment()?.name_ref())
        .is_some_and(|name| {
            matches!(
                name.text(),
                "panic" | "unreachable" | "todo" | "unimplemented"
            )
        })
}

/// `ready!(call)`: the call's `Pending` is returned as it is.
fn in_ready_macro(node: &SyntaxNode) -> bool {
    let Some(wrapper) = node.parent() else {
        return false;
    };
    if !matches!(
        wrapper.kind(),
        SyntaxKind::PAREN_EXPR | SyntaxKind::TUPLE_EXPR
    ) {
        return false;
    }
    wrapper
        .parent()
        .and_then(ast::MacroCall::cast)
        .and_then(|m| m.path())
        .and_then(|p| p.segment()?.name_ref())
        .is_some_and(|name| matches!(name.text(), "ready" | "try_ready"))
}

/// Which way a condition tests a poll: `Some(true)` when it holds only on
/// `Ready` (`p.is_ready()`, `let Poll::Ready(..) = p`), `Some(false)` when
/// only on `Pending` (`p.is_pending()`).
fn tested_readiness(condition: &ast::Expr) -> Option<bool> {
    match condition {
        ast::Expr::MethodCallExpr(call) => match method_name(call)?.as_str() {
            "is_ready" => Some(true),
            "is_pending" => Some(false),
            _ => None,
        },
        ast::Expr::LetExpr(binding) => pattern_readiness(&binding.pat()?),
        _ => None,
    }
}

/// `Some(true)` for a `Ready(..)` pattern, `Some(false)` for `Pending`.
fn pattern_readiness(pattern: &ast::Pat) -> Option<bool> {
    let path = match pattern {
        ast::Pat::TupleStructPat(p) => p.path()?,
        ast::Pat::PathPat(p) => p.path()?,
        _ => return None,
    };
    match path.segment()?.name_ref()?.text() {
        "Ready" => Some(true),
        "Pending" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// A 10,000-line poll function, flat and deeply nested, is walked in
    /// linear time.
    #[test]
    fn long_poll_functions_stay_linear() {
        let mut text = String::from(
            "use std::task::{Context, Poll};\nimpl std::future::Future for F {\n    type Output = ();\n    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {\n",
        );
        for i in 0..5_000 {
            text.push_str(&format!(
                "        if self.a.load(R) == {i} {{ return Poll::Pending; }}\n"
            ));
        }
        for i in 0..2_500 {
            text.push_str(&format!("        if self.b.load(R) == {i} {{ match self.c {{ 0 => return Poll::Ready(()), _ => {{\n"));
        }
        text.push_str("        return Poll::Pending;\n");
        text.push_str(&"        }}}\n".repeat(2_500));
        text.push_str("        Poll::Ready(())\n    }\n}\n");
        let checked = crate::rules::check_large("pending-without-waker", text);
        assert!(checked.0 < Duration::from_secs(10), "took {:?}", checked.0);
        assert_eq!(checked.1, 5_001);
    }
}
