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
