async fn deep() {
    tokio::select! { _ = async { tokio::join!(async { tokio::select! { x = f() => { { { ((((x)))) } } } } }, g()) } => {} }
    let _ = ((((((((((((((((1))))))))))))))));
    let _ = [[[[[[[[[[vec![vec![vec![0]]]]]]]]]]]]];
    let _ = !!!!!!!!-----&&&&*true;
}
