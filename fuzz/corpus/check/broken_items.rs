impl<T Foo for {
    async fn a(&self) -> { self.m.lock().unwrap(); x.await? }
fn fn async move || {} .await
struct S { a: u8, b: }
pub(in) use ::{self, *};
"unterminated
