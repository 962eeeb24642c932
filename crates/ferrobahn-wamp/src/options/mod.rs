//! Typed options and details dictionaries, one struct per message dictionary.
//!
//! Every struct has one `Option` field per key the basic and advanced profiles define, and
//! an `extra` dictionary that keeps all other keys as received, so nothing is dropped when
//! a router forwards a message. `from_dict` fails with an [`OptionError`](crate::OptionError) only when a known
//! key holds a value of the wrong type.
//!
//! Large, mostly empty dictionaries sit in messages as [`Boxed`]: one pointer, no allocation
//! when empty, read and written as the plain struct through `Deref`/`DerefMut`.

mod boxed;
mod pubsub;
mod rpc;
mod session;

pub use boxed::{Boxed, OptionsDict};
pub use pubsub::{
    EventDetails, PublishOptions, SubscribeOptions, UnsubscribeOptions, UnsubscribedDetails,
};
pub use rpc::{
    CallOptions, CancelMode, CancelOptions, ErrorDetails, InterruptOptions, InvocationDetails,
    InvokePolicy, RegisterOptions, ResultDetails, UnregisterOptions, UnregisteredDetails,
    YieldOptions,
};
pub use session::{AuthenticateExtra, ChallengeExtra, CloseDetails, HelloDetails, WelcomeDetails};

use crate::id::Id;
use crate::message::Element;
use crate::uri::MatchPolicy;
use crate::value::{Dict, Value};

/// A type that a known option key can hold.
pub(crate) trait OptValue: Sized + std::fmt::Debug + 'static {
    /// What the key needs, for error messages.
    const EXPECTED: &'static str;
    /// Converts, or gives back a description of what was received.
    fn from_opt(v: Value) -> Result<Self, String>;
    /// Converts back to a value.
    fn to_opt(&self) -> Value;
    /// The value as a message element: borrowed where it can be, else converted.
    fn slot(&self) -> Slot<'_> {
        Slot::Owned(self.to_opt())
    }
    /// A proptest strategy producing valid values.
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self>;
}

/// A set option's value as [`write_dict`](CallOptions::write_dict) lends it: borrowed,
/// or converted for the types that have no borrowed form (lists, nested dictionaries).
pub(crate) enum Slot<'a> {
    /// Borrowed from the options.
    Borrowed(Element<'a>),
    /// Converted.
    Owned(Value),
}

impl Slot<'_> {
    pub(crate) fn element(&self) -> Element<'_> {
        match self {
            Slot::Borrowed(e) => *e,
            Slot::Owned(v) => Element::Value(v),
        }
    }
}

static TRUE: Value = Value::Bool(true);
static FALSE: Value = Value::Bool(false);

/// The order of `keys` sorted (as a `BTreeMap<String, _>` orders them): `keys[order[0]]`
/// first.
pub(crate) const fn key_order<const N: usize>(keys: [&str; N]) -> [usize; N] {
    const fn less(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        let mut i = 0;
        while i < a.len() && i < b.len() {
            if a[i] != b[i] {
                return a[i] < b[i];
            }
            i += 1;
        }
        a.len() < b.len()
    }
    let mut order = [0; N];
    let mut i = 0;
    while i < N {
        order[i] = i;
        i += 1;
    }
    // Insertion sort: a few keys, once per type at compile time.
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && less(keys[order[j]], keys[order[j - 1]]) {
            let t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    order
}

fn got(v: &Value) -> String {
    v.type_name().to_owned()
}

impl OptValue for bool {
    const EXPECTED: &'static str = "bool";
    fn from_opt(v: Value) -> Result<Self, String> {
        v.as_bool().ok_or_else(|| got(&v))
    }
    fn to_opt(&self) -> Value {
        Value::Bool(*self)
    }
    fn slot(&self) -> Slot<'_> {
        Slot::Borrowed(Element::Value(if *self { &TRUE } else { &FALSE }))
    }
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::strategy::Strategy;
        proptest::arbitrary::any::<bool>().boxed()
    }
}

impl OptValue for u64 {
    const EXPECTED: &'static str = "non-negative integer";
    fn from_opt(v: Value) -> Result<Self, String> {
        v.as_u64().ok_or_else(|| match v {
            Value::Int(i) => i.to_string(),
            other => got(&other),
        })
    }
    fn to_opt(&self) -> Value {
        Value::from_u64(*self)
    }
    fn slot(&self) -> Slot<'_> {
        Slot::Borrowed(Element::UInt(*self))
    }
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::strategy::Strategy;
        proptest::arbitrary::any::<u64>().boxed()
    }
}

impl OptValue for Id {
    const EXPECTED: &'static str = "ID in [0, 2^53]";
    fn from_opt(v: Value) -> Result<Self, String> {
        match v.as_u64() {
            Some(u) => Id::new(u).ok_or_else(|| u.to_string()),
            None => Err(got(&v)),
        }
    }
    fn to_opt(&self) -> Value {
        Value::from_u64(self.get())
    }
    fn slot(&self) -> Slot<'_> {
        Slot::Borrowed(Element::UInt(self.get()))
    }
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::strategy::Strategy;
        (0..=crate::id::MAX_ID)
            .prop_map(|v| Id::new(v).unwrap_or_default())
            .boxed()
    }
}

impl OptValue for String {
    const EXPECTED: &'static str = "string";
    fn from_opt(v: Value) -> Result<Self, String> {
        match v {
            Value::Str(s) => Ok(s),
            other => Err(got(&other)),
        }
    }
    fn to_opt(&self) -> Value {
        Value::Str(self.clone())
    }
    fn slot(&self) -> Slot<'_> {
        Slot::Borrowed(Element::Str(self))
    }
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::strategy::Strategy;
        crate::strategy::arb_string().boxed()
    }
}

impl OptValue for Dict {
    const EXPECTED: &'static str = "dict";
    fn from_opt(v: Value) -> Result<Self, String> {
        match v {
            Value::Dict(d) => Ok(d),
            other => Err(got(&other)),
        }
    }
    fn to_opt(&self) -> Value {
        Value::Dict(self.clone())
    }
    fn slot(&self) -> Slot<'_> {
        Slot::Borrowed(Element::Dict(self))
    }
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::strategy::Strategy;
        crate::strategy::arb_dict(1).boxed()
    }
}

impl OptValue for Value {
    const EXPECTED: &'static str = "any value";
    fn from_opt(v: Value) -> Result<Self, String> {
        Ok(v)
    }
    fn to_opt(&self) -> Value {
        self.clone()
    }
    fn slot(&self) -> Slot<'_> {
        Slot::Borrowed(Element::Value(self))
    }
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::strategy::Strategy;
        crate::strategy::arb_value(1).boxed()
    }
}

impl<T: OptValue> OptValue for Vec<T> {
    const EXPECTED: &'static str = "list";
    fn from_opt(v: Value) -> Result<Self, String> {
        match v {
            Value::List(l) => l
                .into_iter()
                .map(|x| T::from_opt(x).map_err(|g| format!("list with {g}, need {}", T::EXPECTED)))
                .collect(),
            other => Err(got(&other)),
        }
    }
    fn to_opt(&self) -> Value {
        Value::List(self.iter().map(OptValue::to_opt).collect())
    }
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::strategy::Strategy;
        proptest::collection::vec(T::arb(), 0..3).boxed()
    }
}

impl OptValue for MatchPolicy {
    const EXPECTED: &'static str = "\"exact\", \"prefix\" or \"wildcard\"";
    fn from_opt(v: Value) -> Result<Self, String> {
        match &v {
            Value::Str(s) => MatchPolicy::parse(s).ok_or_else(|| format!("{s:?}")),
            other => Err(got(other)),
        }
    }
    fn to_opt(&self) -> Value {
        Value::from(self.as_str())
    }
    fn slot(&self) -> Slot<'_> {
        Slot::Borrowed(Element::Str(self.as_str()))
    }
    #[cfg(feature = "proptest")]
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::strategy::Strategy;
        proptest::prop_oneof![
            proptest::strategy::Just(MatchPolicy::Exact),
            proptest::strategy::Just(MatchPolicy::Prefix),
            proptest::strategy::Just(MatchPolicy::Wildcard)
        ]
        .boxed()
    }
}

/// Defines an options struct with typed `Option` fields, an `extra` dict and the
/// `from_dict`/`to_dict` conversions.
macro_rules! wamp_options {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $key:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )*
            /// Keys not known to this type, kept as received.
            pub extra: $crate::value::Dict,
        }

        impl $name {
            /// Reads the known keys from `d`; all other keys go to `extra`. A known key
            /// holding `null` reads as absent (peers such as Crossbar send
            /// `"channel_binding": null`); the `null` stays in `extra`, so `to_dict`
            /// gives back the same dictionary.
            pub fn from_dict(
                #[allow(unused_mut)] mut d: $crate::value::Dict,
            ) -> Result<Self, $crate::error::OptionError> {
                #[allow(unused_mut)]
                let mut nulls = $crate::value::Dict::new();
                #[allow(unused_mut)]
                let mut opts = Self {
                    $( $field: match d.remove($key) {
                        None => None,
                        Some($crate::value::Value::Null) => {
                            nulls.insert($key.to_owned(), $crate::value::Value::Null);
                            None
                        }
                        Some(v) => Some(
                            <$ty as $crate::options::OptValue>::from_opt(v).map_err(|got| {
                                $crate::error::OptionError {
                                    key: $key,
                                    expected: <$ty as $crate::options::OptValue>::EXPECTED,
                                    got,
                                }
                            })?,
                        ),
                    }, )*
                    extra: d,
                };
                opts.extra.append(&mut nulls);
                Ok(opts)
            }

            /// Writes the set keys and `extra` into one dictionary.
            pub fn to_dict(&self) -> $crate::value::Dict {
                #[allow(unused_mut)]
                let mut d = self.extra.clone();
                $( if let Some(v) = &self.$field {
                    d.insert($key.to_owned(), $crate::options::OptValue::to_opt(v));
                } )*
                d
            }

            /// Whether no key is set at all.
            pub fn is_empty(&self) -> bool {
                $( self.$field.is_none() && )* self.extra.is_empty()
            }

            /// Lends the dictionary of [`to_dict`](Self::to_dict) to `s` entry by entry
            /// in key order ([`ElementSink::begin_dict`](crate::message::ElementSink::begin_dict)),
            /// borrowing the values (lists and nested dictionaries are converted).
            pub fn write_dict<S: $crate::message::ElementSink>(
                &self,
                s: &mut S,
            ) -> Result<(), S::Error> {
                #[allow(unused_imports)]
                use $crate::options::OptValue as _;
                use $crate::message::Element;
                if $( self.$field.is_none() && )* true {
                    // No known key set (the usual case): `extra` as it is, often empty.
                    s.begin_dict(self.extra.len())?;
                    for (k, v) in &self.extra {
                        s.key(k)?;
                        s.element(Element::Value(v))?;
                    }
                    return s.end_dict();
                }
                const KEYS: &[&str] = &[$( $key, )*];
                const N: usize = KEYS.len();
                const ORDER: [usize; N] = {
                    let mut keys = [""; N];
                    let mut i = 0;
                    while i < N {
                        keys[i] = KEYS[i];
                        i += 1;
                    }
                    $crate::options::key_order(keys)
                };
                let set: [Option<$crate::options::Slot<'_>>; N] =
                    [$( self.$field.as_ref().map(|v| v.slot()), )*];
                let known = set.iter().flatten().count();
                if self.extra.is_empty() {
                    s.begin_dict(known)?;
                    for &i in &ORDER {
                        if let Some(slot) = &set[i] {
                            s.key(KEYS[i])?;
                            s.element(slot.element())?;
                        }
                    }
                    return s.end_dict();
                }
                let shadowed = (0..N)
                    .filter(|&i| set[i].is_some() && self.extra.contains_key(KEYS[i]))
                    .count();
                s.begin_dict(known + self.extra.len() - shadowed)?;
                let mut extra = self.extra.iter().peekable();
                for &i in &ORDER {
                    let Some(slot) = &set[i] else { continue };
                    while let Some((k, v)) = extra.next_if(|(k, _)| k.as_str() < KEYS[i]) {
                        s.key(k)?;
                        s.element(Element::Value(v))?;
                    }
                    // A set key replaces the same key in `extra` (a null kept from the peer).
                    extra.next_if(|(k, _)| k.as_str() == KEYS[i]);
                    s.key(KEYS[i])?;
                    s.element(slot.element())?;
                }
                for (k, v) in extra {
                    s.key(k)?;
                    s.element(Element::Value(v))?;
                }
                s.end_dict()
            }
        }

        impl $crate::options::OptionsDict for $name {
            fn empty() -> &'static Self {
                static EMPTY: $name = $name {
                    $( $field: None, )*
                    extra: $crate::value::Dict::new(),
                };
                &EMPTY
            }
            fn is_empty(&self) -> bool {
                $name::is_empty(self)
            }
        }

        impl $crate::options::OptValue for $name {
            const EXPECTED: &'static str = "dict";
            fn from_opt(v: $crate::value::Value) -> Result<Self, String> {
                match v {
                    $crate::value::Value::Dict(d) => Self::from_dict(d).map_err(|e| e.to_string()),
                    other => Err(other.type_name().to_owned()),
                }
            }
            fn to_opt(&self) -> $crate::value::Value {
                $crate::value::Value::Dict(self.to_dict())
            }
            #[cfg(feature = "proptest")]
            fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                Self::arb()
            }
        }

        #[cfg(feature = "proptest")]
        impl $name {
            /// A proptest strategy: any subset of the known keys with valid values, plus
            /// a few unknown keys.
            pub fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy;
                #[allow(unused_mut)]
                let mut fields: Vec<
                    proptest::strategy::BoxedStrategy<Option<(&'static str, $crate::value::Value)>>,
                > = Vec::new();
                $( fields.push(proptest::option::of(
                    <$ty as $crate::options::OptValue>::arb()
                        .prop_map(|v| ($key, $crate::options::OptValue::to_opt(&v))),
                ).boxed()); )*
                (fields, $crate::strategy::arb_extra())
                    .prop_map(|(fs, mut d)| {
                        for (k, v) in fs.into_iter().flatten() {
                            d.insert(k.to_owned(), v);
                        }
                        Self::from_dict(d).unwrap_or_default()
                    })
                    .boxed()
            }
        }
    };
}
pub(crate) use wamp_options;

/// Defines a string-valued enum option with its wire names.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant, )* }

        impl $name {
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $wire, )* }
            }
            /// Parses a wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $( $wire => Some($name::$variant), )* _ => None }
            }
        }

        impl $crate::options::OptValue for $name {
            const EXPECTED: &'static str = concat!("one of" $(, " ", $wire)*);
            fn from_opt(v: $crate::value::Value) -> Result<Self, String> {
                match &v {
                    $crate::value::Value::Str(s) => Self::parse(s).ok_or_else(|| format!("{s:?}")),
                    other => Err(other.type_name().to_owned()),
                }
            }
            fn to_opt(&self) -> $crate::value::Value {
                $crate::value::Value::from(self.as_str())
            }
            fn slot(&self) -> $crate::options::Slot<'_> {
                $crate::options::Slot::Borrowed($crate::message::Element::Str(self.as_str()))
            }
            #[cfg(feature = "proptest")]
            fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy;
                proptest::sample::select(vec![$( $name::$variant, )*]).boxed()
            }
        }
    };
}
pub(crate) use string_enum;

#[cfg(test)]
mod tests;
