//! [`Boxed`]: an options or details dictionary that costs one pointer in a message.

use std::fmt;
use std::ops::{Deref, DerefMut};

/// An options or details struct that can be stored behind [`Boxed`]: it has a shared empty
/// value and knows whether it is empty. Every options and details struct of this crate
/// implements it.
pub trait OptionsDict: Default + 'static {
    /// The empty value (no key set), shared.
    fn empty() -> &'static Self;
    /// Whether no key is set at all.
    fn is_empty(&self) -> bool;
}

/// An options or details dictionary of a message, boxed, with no allocation when it is
/// empty (most CALL, INVOCATION, YIELD, RESULT, PUBLISH and EVENT dictionaries are).
///
/// Messages move by value through the router's and client's queues, so a small `Message`
/// matters; see `tests/layout.rs`. `Boxed<T>` is one pointer wide and reads as a `T`
/// through [`Deref`]: `call.options.timeout` works as on the plain struct. Writing through
/// [`DerefMut`] (`call.options.timeout = Some(5_000)`) allocates the box on first use.
/// Build one from a struct with `.into()` or [`Boxed::new`]; [`Boxed::into_inner`] gives the
/// struct back. Two `Boxed` values are equal when their dictionaries are, whether or not
/// an empty one is allocated.
///
/// ```
/// use ferrobahn_wamp::message::Call;
/// use ferrobahn_wamp::options::CallOptions;
///
/// let mut call = Call::default();
/// assert_eq!(call.options.timeout, None);
/// call.options.timeout = Some(5_000);
/// let other = Call {
///     options: CallOptions { timeout: Some(5_000), ..Default::default() }.into(),
///     ..Default::default()
/// };
/// assert_eq!(call, other);
/// ```
pub struct Boxed<T>(Option<Box<T>>);

impl<T: OptionsDict> Boxed<T> {
    /// Boxes `value`, or stores nothing when it is empty.
    pub fn new(value: T) -> Self {
        if value.is_empty() {
            Boxed(None)
        } else {
            Boxed(Some(Box::new(value)))
        }
    }

    /// The dictionary, unboxed.
    pub fn into_inner(self) -> T {
        self.0.map(|b| *b).unwrap_or_default()
    }
}

impl<T> Default for Boxed<T> {
    fn default() -> Self {
        Boxed(None)
    }
}

impl<T: Clone> Clone for Boxed<T> {
    fn clone(&self) -> Self {
        Boxed(self.0.clone())
    }
}

impl<T: OptionsDict> Deref for Boxed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match &self.0 {
            Some(b) => b,
            None => T::empty(),
        }
    }
}

impl<T: OptionsDict> DerefMut for Boxed<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

impl<T: OptionsDict> From<T> for Boxed<T> {
    fn from(value: T) -> Self {
        Boxed::new(value)
    }
}

impl<T: OptionsDict + PartialEq> PartialEq for Boxed<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: OptionsDict + PartialEq> PartialEq<T> for Boxed<T> {
    fn eq(&self, other: &T) -> bool {
        **self == *other
    }
}

impl<T: OptionsDict + fmt::Debug> fmt::Debug for Boxed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::Boxed;
    use crate::message::Call;
    use crate::options::CallOptions;
    use crate::value::Value;
    use crate::Message;

    #[test]
    fn empty_is_not_allocated_and_reads_as_empty() {
        let b = Boxed::new(CallOptions::default());
        assert!(b.0.is_none());
        assert_eq!(b.timeout, None);
        assert!(b.to_dict().is_empty());
        let set = Boxed::new(CallOptions {
            timeout: Some(10),
            ..Default::default()
        });
        assert!(set.0.is_some());
        assert_eq!(set.timeout, Some(10));
        assert_eq!(set.clone().into_inner().timeout, Some(10));
        assert_eq!(
            Boxed::<CallOptions>::default().into_inner(),
            CallOptions::default()
        );
    }

    #[test]
    fn writes_allocate_and_equality_ignores_allocation() {
        let mut b = Boxed::new(CallOptions::default());
        b.timeout = Some(5);
        assert!(b.0.is_some());
        assert_eq!(b.timeout, Some(5));
        b.timeout = None;
        // Allocated but empty equals unallocated.
        assert!(b.0.is_some());
        assert_eq!(b, Boxed::default());
        assert_eq!(b, CallOptions::default());
        assert_eq!(format!("{b:?}"), format!("{:?}", CallOptions::default()));
    }

    #[test]
    fn decoding_allocates_only_for_a_non_empty_dict() {
        let wire = |opts: crate::Dict| {
            Value::List(vec![
                Value::from_u64(48),
                Value::from_u64(1),
                Value::Dict(opts),
                Value::from("com.example.f"),
            ])
        };
        let Ok(Message::Call(c)) = Message::from_value(wire(crate::Dict::new())) else {
            panic!("not a CALL");
        };
        assert!(c.options.0.is_none());
        let mut d = crate::Dict::new();
        d.insert("receive_progress".into(), Value::Bool(true));
        d.insert("x_custom".into(), Value::from(1));
        let Ok(Message::Call(c)) = Message::from_value(wire(d.clone())) else {
            panic!("not a CALL");
        };
        assert!(c.options.0.is_some());
        assert_eq!(c.options.receive_progress, Some(true));
        assert_eq!(Message::Call(c.clone()).to_value(), wire(d));
        let rebuilt = Call {
            options: c.options.clone().into_inner().into(),
            ..c.clone()
        };
        assert_eq!(rebuilt, c);
    }
}
