//! Python's `str()` and `repr()` of WAMP values, so the demos print what the
//! AutobahnPython originals print (`['Product 0', 'Product 1']`, `{'counter': 0}`,
//! `None`, `("don't",)`). Keyword dictionaries print sorted by key (ferrobahn's `Dict`
//! is ordered by key; Python keeps the sender's order).

use ferrobahn_client::wamp::{Dict, Value};
use ferrobahn_client::{ApplicationError, CallResult};

/// What `await session.call(...)` gives in Python: the one result, `None` for none,
/// a list for several (the demos never print keyword results this way).
pub fn result(r: &CallResult) -> Value {
    match r.args.as_slice() {
        [] => Value::Null,
        [one] => one.clone(),
        many => Value::List(many.to_vec()),
    }
}

/// A Python parameter: the keyword argument `name`, else positional `index`.
pub fn param<'a>(
    args: &'a [Value],
    kwargs: &'a Dict,
    index: usize,
    name: &str,
) -> Option<&'a Value> {
    kwargs.get(name).or_else(|| args.get(index))
}

/// `str()` of a Python exception with these arguments: the one argument's `str`, or
/// the tuple.
pub fn exception_str(args: &[Value]) -> String {
    match args {
        [one] => str(one),
        _ => tuple(args),
    }
}

/// Python's `str(v)`: strings as they are, everything else as [`repr`].
pub fn str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => repr(other),
    }
}

/// Python's `repr(v)`.
pub fn repr(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => float(*f),
        Value::Str(s) => string(s),
        Value::Bytes(b) => format!("b{}", string(&String::from_utf8_lossy(b))),
        Value::List(l) => format!("[{}]", join(l)),
        Value::Dict(d) => {
            let items: Vec<String> = d
                .iter()
                .map(|(k, v)| format!("{}: {}", string(k), repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Python's `repr` of a tuple of these values: `()`, `(1,)`, `('a', 'A')`.
pub fn tuple(items: &[Value]) -> String {
    match items {
        [one] => format!("({},)", repr(one)),
        _ => format!("({})", join(items)),
    }
}

/// `str()` of an AutobahnPython `ApplicationError` as a caller sees it (the router
/// sent no callee details).
pub fn application_error(e: &ApplicationError) -> String {
    let kwargs = repr(&Value::Dict(e.kwargs.clone()));
    format!(
        "ApplicationError(error=<{}>, args=[{}], kwargs={kwargs}, enc_algo=None, callee=None, \
         callee_authid=None, callee_authrole=None, forward_for=None)",
        e.error,
        join(&e.args)
    )
}

fn join(items: &[Value]) -> String {
    items.iter().map(repr).collect::<Vec<_>>().join(", ")
}

/// A float as Python prints it: shortest round trip, `.0` on whole numbers.
fn float(f: f64) -> String {
    if f.is_nan() {
        "nan".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// A string literal with Python's choice of quotes and escapes.
fn string(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_python_does() {
        let d = Dict::from([
            ("counter".to_owned(), Value::Int(0)),
            (
                "foo".to_owned(),
                Value::List(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            ),
        ]);
        assert_eq!(repr(&Value::Dict(d)), "{'counter': 0, 'foo': [1, 2, 3]}");
        assert_eq!(
            repr(&Value::List(vec![Value::from("Product 0"), Value::Null])),
            "['Product 0', None]"
        );
        assert_eq!(str(&Value::from("Hello")), "Hello");
        assert_eq!(repr(&Value::from("don't")), "\"don't\"");
        assert_eq!(repr(&Value::from("a'b\"c")), "'a\\'b\"c'");
        assert_eq!(repr(&Value::Float(2.0)), "2.0");
        assert_eq!(
            repr(&Value::Float(std::f64::consts::SQRT_2)),
            "1.4142135623730951"
        );
        assert_eq!(repr(&Value::Bool(false)), "False");
        assert_eq!(tuple(&[]), "()");
        assert_eq!(tuple(&[Value::Int(14)]), "(14,)");
        assert_eq!(tuple(&[Value::from("a"), Value::from("A")]), "('a', 'A')");
    }

    #[test]
    fn application_errors_print_as_autobahn_python_does() {
        let e = ApplicationError::new("com.myapp.error.mixed_case")
            .arg("a")
            .arg("A");
        assert_eq!(
            application_error(&e),
            "ApplicationError(error=<com.myapp.error.mixed_case>, args=['a', 'A'], kwargs={}, \
             enc_algo=None, callee=None, callee_authid=None, callee_authrole=None, forward_for=None)"
        );
    }
}
