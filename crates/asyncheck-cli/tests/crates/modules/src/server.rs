use crate::snapshot;
use crate::state::State;

pub async fn serve(state: &State) {
    // A renamed re-export of parking_lot's mutex, used in another file.
    let peers = state.peers.lock(); //~ lock-across-await
    settle_down().await;
    drop(peers);

    let direct = state.direct.lock(); //~ lock-across-await
    settle_down().await;
    drop(direct);

    // tokio's lock through a glob re-export: awaited, not held blocking.
    let routes = state.routes.read().await;
    settle_down().await;
    drop(routes);

    // Three functions named `run`: the module path says which is called.
    let queued = crate::worker::run(); //~ blocking-in-async
    let quick = crate::fast::run();
    let tls = crate::net::tls::run();
    let again = crate::run_worker(); //~ blocking-in-async
    let _ = (queued, quick, tls, again);

    // Through `#[path = "platform/unix.rs"] mod sys;` and its child.
    crate::sys::settle(); //~ blocking-in-async
    let dump = crate::sys::io::slurp(); //~ blocking-in-async
    drop(dump);

    // Imported by name from the root, which re-exports it by a glob.
    let size = snapshot(); //~ blocking-in-async
    drop(size);
}

async fn settle_down() {
    tokio::task::yield_now().await;
}
