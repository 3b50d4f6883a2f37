//! Differential tests for the two fast paths of a typed call, against the general code they
//! stand in for, over many seeded pseudo-random values and the edge cases:
//!
//! - **the `impl Serialize` that `#[refold_action]` writes itself** for a struct serde has
//!   nothing to read in (no serde attributes, no generics): for every such shape, the JSON is
//!   byte for byte the JSON of serde's derive on a twin struct with the same fields;
//! - **the body writer that leaves top-level `None` out** (what `Client::execute` sends): the
//!   body on the wire is the parameters' own JSON without the top-level fields whose value is
//!   `None`, byte for byte and in the fields' order, and as a `serde_json::Value` it is the
//!   parameters' `Value` with those keys removed; `execute_raw` sends the parameters' own JSON
//!   unchanged;
//! - and the private detail of `serde_json` the body writer relies on to send raw JSON text.
//!
//! Bodies are read where they arrive: the emulator records every request, and answers each with
//! a canned success so the calls complete.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::Ipv6Addr;
use std::num::NonZeroU64;
use std::time::Duration;

use refold::{Client, refold_action};
use refold_emulator::{Emulator, Fault, FaultBody};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};

const SEED: u64 = 0x00d1_ff5e_7a11_0001;
/// Values per shape compared in memory (the `Serialize` impls).
const SERIALIZE_VALUES: usize = 2_000;
/// Values per shape sent through the client (each is one call to the emulator).
const BODY_VALUES: usize = 150;

/// A stand-in for the `refold` crate holding only what the macro's own `impl Serialize` needs —
/// `__refold_action!` (whose `$crate` is the real `refold`) and `serde_json` (for the default
/// output type) — and no `serde`. The twins' fast halves name it with `crate = "…"`: had the
/// macro fallen back on serde's derive for one of them, the derive it names
/// (`crate::serialize_differential::plain_only::__private::serde::Serialize`) would not
/// resolve and this file would not compile. So every shape below provably takes the fast path.
mod plain_only {
    pub mod __private {
        pub use refold::__private::{__refold_action, serde_json};
    }
}

// -------------------------------------------------------------------------------------------
// Seeded values, edge cases drawn often.
// -------------------------------------------------------------------------------------------

/// A deterministic source of values.
struct Gen {
    rng: fastrand::Rng,
    depth: u32,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: fastrand::Rng::with_seed(seed),
            depth: 0,
        }
    }

    /// One time in four, take an edge case.
    fn edge(&mut self) -> bool {
        self.rng.u8(..4) == 0
    }

    fn pick<T: Clone>(&mut self, list: &[T]) -> T {
        list[self.rng.usize(..list.len())].clone()
    }

    /// A collection length: often empty, and empty once nested deep.
    fn len(&mut self) -> usize {
        if self.depth > 2 { 0 } else { self.rng.usize(..5) }
    }

    fn nested<T>(&mut self, make: impl FnOnce(&mut Gen) -> T) -> T {
        self.depth += 1;
        let value = make(self);
        self.depth -= 1;
        value
    }
}

trait Arbitrary: Sized {
    fn arbitrary(g: &mut Gen) -> Self;
}

/// Strings JSON has to escape or that are easy to get wrong.
const EDGE_STRINGS: &[&str] = &[
    "",
    " ",
    "\"",
    "\\",
    "\"\\/\u{8}\u{c}\n\r\t",
    "\u{0}",
    "\u{1}\u{1f}",
    "\u{7f}",
    "\u{80}\u{9f}\u{a0}",
    "é",
    "e\u{301}",
    "日本語",
    "🦀",
    "\u{10ffff}",
    "\u{2028}\u{2029}",
    "\u{feff}",
    "</script><!--",
    "null",
    "{\"a\":1}",
    "ada@example.com",
];

impl Arbitrary for String {
    fn arbitrary(g: &mut Gen) -> String {
        if g.edge() {
            return g.pick(EDGE_STRINGS).to_owned();
        }
        let len = g.rng.usize(..12);
        (0..len)
            .map(|_| match g.rng.u8(..6) {
                0 => g.rng.char('\u{0}'..'\u{20}'),
                1 => g.rng.char('\u{80}'..='\u{7ff}'),
                2 => g.rng.char('\u{800}'..='\u{ffff}'),
                3 => g.rng.char('\u{10000}'..='\u{10ffff}'),
                4 => g.pick(&['"', '\\', '/', '\u{7f}']),
                _ => g.rng.char(' '..='~'),
            })
            .collect()
    }
}

impl Arbitrary for &'static str {
    fn arbitrary(g: &mut Gen) -> &'static str {
        g.pick(EDGE_STRINGS)
    }
}

impl Arbitrary for char {
    fn arbitrary(g: &mut Gen) -> char {
        if g.edge() {
            return g.pick(&[
                '\u{0}',
                '"',
                '\\',
                '\n',
                '\u{1f}',
                '\u{7f}',
                'é',
                '\u{2028}',
                '🦀',
                '\u{10ffff}',
            ]);
        }
        g.rng.char(..)
    }
}

impl Arbitrary for bool {
    fn arbitrary(g: &mut Gen) -> bool {
        g.rng.bool()
    }
}

impl Arbitrary for () {
    fn arbitrary(_: &mut Gen) {}
}

macro_rules! arbitrary_ints {
    ($($t:ident)*) => {$(
        impl Arbitrary for $t {
            fn arbitrary(g: &mut Gen) -> $t {
                if g.edge() {
                    g.pick(&[$t::MIN, $t::MAX, 0, 1, $t::MAX - 1, $t::MIN + 1, $t::MAX / 2])
                } else {
                    g.rng.$t(..)
                }
            }
        }
    )*};
}

arbitrary_ints!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize);

impl Arbitrary for f64 {
    fn arbitrary(g: &mut Gen) -> f64 {
        match g.rng.u8(..4) {
            // serde_json writes NaN and the infinities as `null`.
            0 => g.pick(&[
                0.0,
                -0.0,
                1.0,
                -1.5,
                0.1,
                1e21,
                1e-7,
                1e300,
                -1e300,
                1e-300,
                5e-324,
                f64::MIN_POSITIVE,
                f64::MAX,
                f64::MIN,
                f64::EPSILON,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                123_456_789.0,
                9_007_199_254_740_993.0,
            ]),
            1 => (g.rng.f64() - 0.5) * 10f64.powi(g.rng.i32(-30..30)),
            _ => f64::from_bits(g.rng.u64(..)),
        }
    }
}

impl Arbitrary for f32 {
    fn arbitrary(g: &mut Gen) -> f32 {
        match g.rng.u8(..4) {
            0 => g.pick(&[
                0.0,
                -0.0,
                0.1,
                1e-45,
                3.4e38,
                f32::MIN_POSITIVE,
                f32::MAX,
                f32::MIN,
                f32::EPSILON,
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                16_777_217.0,
            ]),
            1 => (g.rng.f32() - 0.5) * 10f32.powi(g.rng.i32(-20..20)),
            _ => f32::from_bits(g.rng.u32(..)),
        }
    }
}

impl Arbitrary for NonZeroU64 {
    fn arbitrary(g: &mut Gen) -> NonZeroU64 {
        NonZeroU64::new(g.rng.u64(1..)).expect("not zero")
    }
}

impl Arbitrary for Ipv6Addr {
    fn arbitrary(g: &mut Gen) -> Ipv6Addr {
        Ipv6Addr::from(g.rng.u128(..))
    }
}

impl Arbitrary for Duration {
    fn arbitrary(g: &mut Gen) -> Duration {
        Duration::new(g.rng.u64(..), g.rng.u32(..1_000_000_000))
    }
}

impl<T: Arbitrary> Arbitrary for Option<T> {
    fn arbitrary(g: &mut Gen) -> Option<T> {
        // `None` often: it is what the body writer looks for.
        if g.rng.u8(..3) == 0 {
            None
        } else {
            Some(T::arbitrary(g))
        }
    }
}

impl<T: Arbitrary> Arbitrary for Box<T> {
    fn arbitrary(g: &mut Gen) -> Box<T> {
        Box::new(T::arbitrary(g))
    }
}

impl Arbitrary for Box<str> {
    fn arbitrary(g: &mut Gen) -> Box<str> {
        String::arbitrary(g).into_boxed_str()
    }
}

impl Arbitrary for Cow<'static, str> {
    fn arbitrary(g: &mut Gen) -> Cow<'static, str> {
        if g.rng.bool() {
            Cow::Borrowed(<&str>::arbitrary(g))
        } else {
            Cow::Owned(String::arbitrary(g))
        }
    }
}

impl<T: Arbitrary> Arbitrary for Vec<T> {
    fn arbitrary(g: &mut Gen) -> Vec<T> {
        let len = g.len();
        g.nested(|g| (0..len).map(|_| T::arbitrary(g)).collect())
    }
}

impl<T: Arbitrary> Arbitrary for VecDeque<T> {
    fn arbitrary(g: &mut Gen) -> VecDeque<T> {
        Vec::arbitrary(g).into()
    }
}

impl<T: Arbitrary + Ord> Arbitrary for BTreeSet<T> {
    fn arbitrary(g: &mut Gen) -> BTreeSet<T> {
        Vec::arbitrary(g).into_iter().collect()
    }
}

impl<K: Arbitrary + Ord, V: Arbitrary> Arbitrary for BTreeMap<K, V> {
    fn arbitrary(g: &mut Gen) -> BTreeMap<K, V> {
        let len = g.len();
        g.nested(|g| (0..len).map(|_| (K::arbitrary(g), V::arbitrary(g))).collect())
    }
}

impl<V: Arbitrary> Arbitrary for HashMap<String, V> {
    fn arbitrary(g: &mut Gen) -> HashMap<String, V> {
        let len = g.len();
        g.nested(|g| (0..len).map(|_| (String::arbitrary(g), V::arbitrary(g))).collect())
    }
}

impl<T: Arbitrary, const N: usize> Arbitrary for [T; N] {
    fn arbitrary(g: &mut Gen) -> [T; N] {
        g.nested(|g| std::array::from_fn(|_| T::arbitrary(g)))
    }
}

impl<A: Arbitrary, B: Arbitrary, C: Arbitrary> Arbitrary for (A, B, C) {
    fn arbitrary(g: &mut Gen) -> (A, B, C) {
        g.nested(|g| (A::arbitrary(g), B::arbitrary(g), C::arbitrary(g)))
    }
}

impl Arbitrary for Value {
    fn arbitrary(g: &mut Gen) -> Value {
        let scalars = if g.depth > 2 { 5 } else { 7 };
        match g.rng.u8(..scalars) {
            0 => Value::Null,
            1 => Value::Bool(g.rng.bool()),
            2 => json!(i64::arbitrary(g)),
            3 => json!(u64::arbitrary(g)),
            // Non-finite floats have no JSON number: `json!` makes them `null`.
            4 if g.rng.bool() => json!(f64::arbitrary(g)),
            4 => Value::String(String::arbitrary(g)),
            5 => Value::Array(Vec::arbitrary(g)),
            _ => Value::Object(BTreeMap::<String, Value>::arbitrary(g).into_iter().collect()),
        }
    }
}

/// JSON text, kept as written (spaces, key order, number spelling) by serde_json.
impl Arbitrary for Box<RawValue> {
    fn arbitrary(g: &mut Gen) -> Box<RawValue> {
        let value = Value::arbitrary(g);
        let text = match g.rng.u8(..3) {
            0 => serde_json::to_string_pretty(&value).expect("JSON"),
            1 => format!(" {} ", serde_json::to_string(&value).expect("JSON")),
            _ => g
                .pick(&[
                    "1.50",
                    "-0",
                    "1e2",
                    "{ \"b\" : 1 , \"a\" : null }",
                    "[ ]",
                    "\"\\u00e9\"",
                ])
                .to_owned(),
        };
        RawValue::from_string(text).expect("valid JSON text")
    }
}

// Field types of the shapes' own, serialized by serde's derive.

#[derive(Clone, Debug, Serialize)]
struct Address {
    street: String,
    zip: Option<u32>,
    lines: Vec<Option<String>>,
}

impl Arbitrary for Address {
    fn arbitrary(g: &mut Gen) -> Address {
        g.nested(|g| Address {
            street: Arbitrary::arbitrary(g),
            zip: Arbitrary::arbitrary(g),
            lines: Arbitrary::arbitrary(g),
        })
    }
}

#[derive(Clone, Debug, Serialize)]
enum Kind {
    Unit,
    Newtype(String),
    Tuple(u8, Option<bool>),
    Struct { a: Option<i64>, b: Vec<char> },
}

impl Arbitrary for Kind {
    fn arbitrary(g: &mut Gen) -> Kind {
        g.nested(|g| match g.rng.u8(..4) {
            0 => Kind::Unit,
            1 => Kind::Newtype(Arbitrary::arbitrary(g)),
            2 => Kind::Tuple(Arbitrary::arbitrary(g), Arbitrary::arbitrary(g)),
            _ => Kind::Struct {
                a: Arbitrary::arbitrary(g),
                b: Arbitrary::arbitrary(g),
            },
        })
    }
}

/// A newtype around an `Option`: `None` inside is `None` to the body writer.
#[derive(Clone, Debug, Serialize)]
struct Maybe(Option<u32>);

impl Arbitrary for Maybe {
    fn arbitrary(g: &mut Gen) -> Maybe {
        Maybe(Arbitrary::arbitrary(g))
    }
}

/// A unit struct: JSON `null`, but not `None`.
#[derive(Clone, Debug, Serialize)]
struct Marker;

impl Arbitrary for Marker {
    fn arbitrary(_: &mut Gen) -> Marker {
        Marker
    }
}

// -------------------------------------------------------------------------------------------
// What the body writer is to leave out.
// -------------------------------------------------------------------------------------------

/// Whether a field's value is Rust's `None`, which the body leaves out at the top level. Only
/// `Option::None` (also inside a newtype) is; `Some(None)`, `()`, a unit struct and JSON `null`
/// are values and are sent as `null`.
trait Absent {
    fn absent(&self) -> bool {
        false
    }
}

impl<T> Absent for Option<T> {
    fn absent(&self) -> bool {
        self.is_none()
    }
}

impl Absent for Maybe {
    fn absent(&self) -> bool {
        self.0.is_none()
    }
}

macro_rules! never_absent {
    ($($t:ty),* $(,)?) => {$(impl Absent for $t {})*};
}

never_absent!(
    String,
    str,
    &'static str,
    char,
    bool,
    (),
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    NonZeroU64,
    Ipv6Addr,
    Duration,
    Cow<'static, str>,
    Value,
    RawValue,
    Address,
    Kind,
    Marker,
);

/// serde writes a `Box` as its content.
impl<T: Absent + ?Sized> Absent for Box<T> {
    fn absent(&self) -> bool {
        (**self).absent()
    }
}

impl<T> Absent for Vec<T> {}
impl<T> Absent for VecDeque<T> {}
impl<T> Absent for BTreeSet<T> {}
impl<K, V> Absent for BTreeMap<K, V> {}
impl<V> Absent for HashMap<String, V> {}
impl<T, const N: usize> Absent for [T; N] {}
impl<A, B, C> Absent for (A, B, C) {}

/// One top-level field as the reference sees it: its key, whether it is `None`, and its JSON.
struct Entry {
    key: &'static str,
    absent: bool,
    json: String,
}

fn entry<T: Serialize + Absent + ?Sized>(key: &'static str, value: &T) -> Entry {
    Entry {
        key,
        absent: value.absent(),
        json: serde_json::to_string(value).expect("serializable"),
    }
}

/// The body the client must send for parameters with these fields: their JSON in the fields'
/// order, without the `None` ones.
fn expected_body(entries: &[Entry]) -> String {
    let fields: Vec<String> = entries
        .iter()
        .filter(|entry| !entry.absent)
        .map(|entry| {
            let key = serde_json::to_string(entry.key).expect("a key");
            format!("{key}:{}", entry.json)
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// The parameters as a `serde_json::Value`, read back from their own JSON text. (Rather than
/// `serde_json::to_value`, which widens an `f32` to its `f64` digits and has no `Value` for a
/// `u128` beyond 64 bits, while the JSON text, like the body, has the `f32`'s shortest digits.)
fn value_of(params: &impl Serialize) -> Value {
    serde_json::from_str(&serde_json::to_string(params).expect("serializable")).expect("JSON")
}

/// The parameters as a `Value` with the keys of their top-level `None` values removed.
fn expected_value(params: &impl Serialize, entries: &[Entry]) -> Value {
    let mut value = value_of(params);
    if let Value::Object(object) = &mut value {
        for entry in entries.iter().filter(|entry| entry.absent) {
            object.remove(entry.key);
        }
    }
    value
}

// -------------------------------------------------------------------------------------------
// The shapes: each a struct under `#[refold_action]` that takes the fast path, and its twin under
// serde's derive, with the same name, attributes and fields.
// -------------------------------------------------------------------------------------------

/// The interface of each shape's module, for the drivers below.
trait Twins {
    type Fast: refold::Action + Arbitrary;
    type Derived: Serialize;
    const NAME: &'static str;
    fn twin(fast: &Self::Fast) -> Self::Derived;
    fn entries(derived: &Self::Derived) -> Vec<Entry>;
}

macro_rules! shapes {
    ($(
        $(#[$meta:meta])*
        $module:ident { $( $(#[doc = $doc:literal])* $field:ident : $ty:ty ),* $(,)? }
    )*) => {$(
        #[allow(non_snake_case, dead_code, clippy::all)]
        mod $module {
            use super::*;

            pub mod fast {
                use super::super::*;

                #[refold_action(crate = "crate::serialize_differential::plain_only", slug = "differential", id = "shape")]
                $(#[$meta])*
                pub struct Shape {
                    $( $(#[doc = $doc])* pub $field: $ty, )*
                }
            }

            pub mod derived {
                use super::super::*;

                #[derive(Serialize)]
                $(#[$meta])*
                pub struct Shape {
                    $( $(#[doc = $doc])* pub $field: $ty, )*
                }
            }

            impl Arbitrary for fast::Shape {
                #[allow(unused_variables)]
                fn arbitrary(g: &mut Gen) -> fast::Shape {
                    fast::Shape { $( $field: Arbitrary::arbitrary(g), )* }
                }
            }

            pub struct Types;

            impl Twins for Types {
                type Fast = fast::Shape;
                type Derived = derived::Shape;
                const NAME: &'static str = stringify!($module);

                #[allow(unused_variables)]
                fn twin(fast: &fast::Shape) -> derived::Shape {
                    derived::Shape { $( $field: fast.$field.clone(), )* }
                }

                #[allow(unused_variables)]
                fn entries(derived: &derived::Shape) -> Vec<Entry> {
                    vec![$( entry(key(stringify!($field)), &derived.$field), )*]
                }
            }
        }
    )*};
}

/// The JSON key of a field: its name without a raw identifier's `r#`.
fn key(field: &'static str) -> &'static str {
    field.strip_prefix("r#").unwrap_or(field)
}

shapes! {
    no_fields {}

    scalars {
        flag: bool,
        letter: char,
        a: u8,
        b: u16,
        c: u32,
        d: u64,
        e: usize,
        f: i8,
        g: i16,
        h: i32,
        i: i64,
        j: isize,
        text: String,
        word: &'static str,
    }

    wide_integers {
        big: u128,
        signed: i128,
        small: u64,
    }

    floats {
        double: f64,
        single: f32,
        doubles: Vec<f64>,
        maybe: Option<f64>,
    }

    options {
        plain: Option<String>,
        nested: Option<Option<String>>,
        deeper: Option<Option<Option<u8>>>,
        list: Option<Vec<Option<u8>>>,
        boxed: Box<Option<String>>,
        newtype: Maybe,
        unit_value: (),
        unit_struct: Marker,
    }

    collections {
        list: Vec<String>,
        queue: VecDeque<i32>,
        set: BTreeSet<String>,
        sorted: BTreeMap<String, Option<i64>>,
        hashed: HashMap<String, Vec<u8>>,
        numeric_keys: BTreeMap<u64, String>,
        char_keys: BTreeMap<char, bool>,
        array: [i16; 3],
        tuple: (u8, String, Option<bool>),
        nested: Vec<BTreeMap<String, Vec<Option<String>>>>,
    }

    nested_types {
        address: Address,
        addresses: Vec<Address>,
        maybe_address: Option<Address>,
        kind: Kind,
        kinds: Vec<Option<Kind>>,
        json: Value,
        raw: Box<RawValue>,
        maybe_raw: Option<Box<RawValue>>,
    }

    std_types {
        boxed: Box<str>,
        cow: Cow<'static, str>,
        non_zero: NonZeroU64,
        ip: Ipv6Addr,
        elapsed: Duration,
        maybe_elapsed: Option<Duration>,
    }

    /// Field names that are keywords, or the names the generated code binds.
    awkward_names {
        r#type: String,
        r#match: Option<u8>,
        __refold_this: u8,
        __refold_fields: Option<String>,
        serializer: bool,
        __S: i32,
        naïve: String,
    }

    /// The attributes the fast path passes by: doc comments, lints, other derives, `cfg`.
    #[derive(Clone, Debug)]
    #[allow(dead_code)]
    #[non_exhaustive]
    #[must_use]
    #[cfg(all())]
    neutral_attributes {
        /// An email.
        /// On two lines.
        email: String,
        #[doc = "A name."]
        firstname: Option<String>,
    }

    many_fields {
        f01: String, f02: Option<String>, f03: u64, f04: Option<u64>, f05: bool, f06: Option<bool>,
        f07: f64, f08: Option<f64>, f09: char, f10: Option<char>, f11: Vec<u8>, f12: Option<Vec<u8>>,
        f13: i64, f14: Option<i64>, f15: Value, f16: Option<Value>, f17: String, f18: Option<String>,
        f19: u8, f20: Option<u8>, f21: i8, f22: Option<i8>, f23: Address, f24: Option<Address>,
        f25: Kind, f26: Option<Kind>, f27: BTreeMap<String, u8>, f28: Option<BTreeMap<String, u8>>,
        f29: Option<Option<String>>, f30: Option<Option<u64>>, f31: u32, f32: Option<u32>,
        f33: String, f34: Option<String>, f35: f32, f36: Option<f32>, f37: (), f38: Marker,
        f39: Maybe, f40: Option<Marker>,
    }

    all_optional {
        a: Option<String>,
        b: Option<u64>,
        c: Option<Option<bool>>,
        d: Option<Vec<String>>,
    }
}

// The unit struct: a parameterless action, outside the macro above (which writes braces).
mod unit {
    pub mod fast {
        use refold::refold_action;

        #[refold_action(
            crate = "crate::serialize_differential::plain_only",
            slug = "differential",
            id = "shape"
        )]
        #[derive(Clone, Debug)]
        pub struct Shape;
    }

    pub mod derived {
        #[derive(serde::Serialize)]
        pub struct Shape;
    }
}

// -------------------------------------------------------------------------------------------
// The drivers.
// -------------------------------------------------------------------------------------------

/// `serde_json`'s compact and pretty text of a value, or its error message.
fn texts(value: &impl Serialize) -> [Result<String, String>; 2] {
    [
        serde_json::to_string(value).map_err(|error| error.to_string()),
        serde_json::to_string_pretty(value).map_err(|error| error.to_string()),
    ]
}

/// The fast impl against serde's derive, over `SERIALIZE_VALUES` seeded values; returns how many
/// values were compared.
fn serialize_matches_derive<T: Twins>(seed: u64) -> usize {
    let mut g = Gen::new(seed);
    for n in 0..SERIALIZE_VALUES {
        let fast = T::Fast::arbitrary(&mut g);
        let derived = T::twin(&fast);
        let (fast_texts, derived_texts) = (texts(&fast), texts(&derived));
        assert_eq!(
            fast_texts,
            derived_texts,
            "shape {}, value {n} (seed {seed:#x}): the macro's Serialize differs from serde's derive",
            T::NAME
        );
    }
    SERIALIZE_VALUES
}

#[test]
fn the_macros_serialize_is_serdes_derive_byte_for_byte() {
    let mut compared = 0;
    compared += serialize_matches_derive::<no_fields::Types>(SEED);
    compared += serialize_matches_derive::<scalars::Types>(SEED + 1);
    compared += serialize_matches_derive::<wide_integers::Types>(SEED + 2);
    compared += serialize_matches_derive::<floats::Types>(SEED + 3);
    compared += serialize_matches_derive::<options::Types>(SEED + 4);
    compared += serialize_matches_derive::<collections::Types>(SEED + 5);
    compared += serialize_matches_derive::<nested_types::Types>(SEED + 6);
    compared += serialize_matches_derive::<std_types::Types>(SEED + 7);
    compared += serialize_matches_derive::<awkward_names::Types>(SEED + 8);
    compared += serialize_matches_derive::<neutral_attributes::Types>(SEED + 9);
    compared += serialize_matches_derive::<many_fields::Types>(SEED + 10);
    compared += serialize_matches_derive::<all_optional::Types>(SEED + 11);
    assert_eq!(compared, 12 * SERIALIZE_VALUES);
    assert_eq!(texts(&unit::fast::Shape), texts(&unit::derived::Shape));
}

/// A serializer that records the calls a `Serialize` impl makes, names and lengths included,
/// which JSON does not show: the fast impl must make serde's derive's calls, so that any
/// serializer (not only serde_json's) sees the same thing.
#[derive(Default)]
struct Calls(Vec<String>);

impl Calls {
    fn of(value: &(impl Serialize + ?Sized)) -> Vec<String> {
        let mut calls = Calls::default();
        value.serialize(&mut calls).expect("recorded");
        calls.0
    }
}

impl serde::ser::SerializeStruct for &mut Calls {
    type Ok = ();
    type Error = std::fmt::Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), std::fmt::Error> {
        let json = serde_json::to_string(value).map_err(|_| std::fmt::Error)?;
        self.0.push(format!("field {key} = {json}"));
        Ok(())
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), std::fmt::Error> {
        self.0.push(format!("skip {key}"));
        Ok(())
    }

    fn end(self) -> Result<(), std::fmt::Error> {
        self.0.push("end".into());
        Ok(())
    }
}

/// Scalar methods of [`Calls`]: not expected at the top level.
macro_rules! refused {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<(), std::fmt::Error> {
            Err(std::fmt::Error)
        }
    )*};
}

impl Serializer for &mut Calls {
    type Ok = ();
    type Error = std::fmt::Error;
    type SerializeSeq = serde::ser::Impossible<(), std::fmt::Error>;
    type SerializeTuple = serde::ser::Impossible<(), std::fmt::Error>;
    type SerializeTupleStruct = serde::ser::Impossible<(), std::fmt::Error>;
    type SerializeTupleVariant = serde::ser::Impossible<(), std::fmt::Error>;
    type SerializeMap = serde::ser::Impossible<(), std::fmt::Error>;
    type SerializeStruct = Self;
    type SerializeStructVariant = serde::ser::Impossible<(), std::fmt::Error>;

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self, std::fmt::Error> {
        self.0.push(format!("struct {name} {len}"));
        Ok(self)
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<(), std::fmt::Error> {
        self.0.push(format!("unit struct {name}"));
        Ok(())
    }

    // A struct (or a unit struct) is all this test serializes at the top level.
    refused! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_none(); serialize_unit();
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), std::fmt::Error> {
        Err(std::fmt::Error)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<(), std::fmt::Error> {
        Err(std::fmt::Error)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), std::fmt::Error> {
        Err(std::fmt::Error)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, std::fmt::Error> {
        Err(std::fmt::Error)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, std::fmt::Error> {
        Err(std::fmt::Error)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, std::fmt::Error> {
        Err(std::fmt::Error)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, std::fmt::Error> {
        Err(std::fmt::Error)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, std::fmt::Error> {
        Err(std::fmt::Error)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, std::fmt::Error> {
        Err(std::fmt::Error)
    }
}

/// The body writer lets raw JSON text through by relying on a private detail of `serde_json`: a
/// `RawValue` serializes as a struct with one field, both named
/// `"$serde_json::private::RawValue"`, and `serde_json`'s serializer copies the field's text when
/// it meets a struct of that name (the body writer passes every struct's name on). If a
/// `serde_json` release changes either half, this test fails; the body writer (`core/src/body.rs`)
/// must then be changed so that raw JSON parameters are sent as written again.
#[tokio::test]
async fn serde_json_writes_raw_value_as_a_struct_under_its_private_name() {
    const PRIVATE_NAME: &str = "$serde_json::private::RawValue";
    let text = r#"{ "kept" : "as written", "none": null }"#;
    let raw = RawValue::from_string(text.to_owned()).expect("valid JSON");
    assert_eq!(
        Calls::of(&*raw),
        [
            format!("struct {PRIVATE_NAME} 1"),
            format!(
                "field {PRIVATE_NAME} = {}",
                serde_json::to_string(text).expect("a string")
            ),
            "end".to_owned(),
        ],
        "serde_json no longer serializes RawValue as the struct the body writer expects"
    );

    /// Writes what a `RawValue` writes, by hand.
    #[derive(Clone)]
    struct LikeRawValue(&'static str);

    impl Serialize for LikeRawValue {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeStruct;
            let mut raw = serializer.serialize_struct(PRIVATE_NAME, 1)?;
            raw.serialize_field(PRIVATE_NAME, self.0)?;
            raw.end()
        }
    }

    impl refold::Action for LikeRawValue {
        const SLUG: &'static str = "differential";
        const ACTION_ID: &'static str = "raw";
        type Output = Value;
    }

    assert_eq!(
        serde_json::to_string(&LikeRawValue(text)).expect("raw text"),
        text,
        "serde_json no longer copies the text of a struct under RawValue's private name"
    );
    let (emulator, client) = recording_emulator().await;
    client.execute(&LikeRawValue(text)).await.expect("sent");
    assert_eq!(
        take_body(&emulator),
        text.as_bytes(),
        "typed: sent as written, null kept"
    );
    client.execute_raw("differential", "raw", &raw).await.expect("sent");
    assert_eq!(take_body(&emulator), text.as_bytes(), "raw: sent as written");
}

fn calls_match_derive<T: Twins>(seed: u64) {
    let mut g = Gen::new(seed);
    for n in 0..100 {
        let fast = T::Fast::arbitrary(&mut g);
        if serde_json::to_string(&fast).is_err() {
            continue;
        }
        assert_eq!(
            Calls::of(&fast),
            Calls::of(&T::twin(&fast)),
            "shape {}, value {n}",
            T::NAME
        );
    }
}

#[test]
fn the_macros_serialize_makes_the_calls_serdes_derive_makes() {
    calls_match_derive::<no_fields::Types>(SEED);
    calls_match_derive::<scalars::Types>(SEED + 1);
    calls_match_derive::<options::Types>(SEED + 4);
    calls_match_derive::<awkward_names::Types>(SEED + 8);
    calls_match_derive::<neutral_attributes::Types>(SEED + 9);
    calls_match_derive::<many_fields::Types>(SEED + 10);
    assert_eq!(Calls::of(&unit::fast::Shape), Calls::of(&unit::derived::Shape));
    assert_eq!(Calls::of(&unit::fast::Shape), ["unit struct Shape"]);
}

/// An emulator that records every request and answers each with a success, so any parameters
/// go through, and a client for it.
async fn recording_emulator() -> (Emulator, Client) {
    let emulator = Emulator::start().await.expect("the emulator starts");
    let success = json!({ "data": {}, "node_status": "Success", "http_status": 200 });
    emulator.set_random_faults(
        1.0,
        0,
        vec![Fault::Status {
            status: 200,
            body: FaultBody::Json(success),
            retry_after: None,
        }],
    );
    let client = crate::support::client(&emulator);
    (emulator, client)
}

/// The body of the one request the emulator received since the last call; forgets it.
fn take_body(emulator: &Emulator) -> Vec<u8> {
    let mut requests = emulator.requests();
    emulator.clear_requests();
    assert_eq!(requests.len(), 1, "one request per call");
    requests.remove(0).body
}

/// `Client::execute` and `Client::execute_raw` of `BODY_VALUES` seeded values against the
/// reference; returns how many calls were checked.
async fn bodies_match_reference<T: Twins>(emulator: &Emulator, client: &Client, seed: u64) -> usize {
    let mut g = Gen::new(seed);
    for n in 0..BODY_VALUES {
        let fast = T::Fast::arbitrary(&mut g);
        let derived = T::twin(&fast);
        let entries = T::entries(&derived);
        let context = || format!("shape {}, value {n} (seed {seed:#x})", T::NAME);

        client
            .execute(&fast)
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", context()));
        let sent = take_body(emulator);
        let sent_text = String::from_utf8(sent.clone()).expect("UTF-8");
        assert_eq!(sent_text, expected_body(&entries), "{}: body bytes", context());
        let sent_value: Value = serde_json::from_slice(&sent).expect("JSON");
        assert_eq!(
            sent_value,
            expected_value(&derived, &entries),
            "{}: body value",
            context()
        );

        client
            .execute_raw("differential", "shape", &derived)
            .await
            .unwrap_or_else(|error| panic!("{}: {error}", context()));
        let raw = take_body(emulator);
        assert_eq!(
            raw,
            serde_json::to_vec(&derived).expect("serializable"),
            "{}: execute_raw sends the JSON as it is",
            context()
        );
    }
    BODY_VALUES
}

#[tokio::test]
async fn the_body_leaves_out_exactly_the_top_level_none_values() {
    let (emulator, client) = recording_emulator().await;
    let (e, c) = (&emulator, &client);
    let mut checked = 0;
    checked += bodies_match_reference::<no_fields::Types>(e, c, SEED + 100).await;
    checked += bodies_match_reference::<scalars::Types>(e, c, SEED + 101).await;
    checked += bodies_match_reference::<wide_integers::Types>(e, c, SEED + 102).await;
    checked += bodies_match_reference::<floats::Types>(e, c, SEED + 103).await;
    checked += bodies_match_reference::<options::Types>(e, c, SEED + 104).await;
    checked += bodies_match_reference::<collections::Types>(e, c, SEED + 105).await;
    checked += bodies_match_reference::<nested_types::Types>(e, c, SEED + 106).await;
    checked += bodies_match_reference::<std_types::Types>(e, c, SEED + 107).await;
    checked += bodies_match_reference::<awkward_names::Types>(e, c, SEED + 108).await;
    checked += bodies_match_reference::<neutral_attributes::Types>(e, c, SEED + 109).await;
    checked += bodies_match_reference::<many_fields::Types>(e, c, SEED + 110).await;
    checked += bodies_match_reference::<all_optional::Types>(e, c, SEED + 111).await;
    assert_eq!(checked, 12 * BODY_VALUES);

    client.execute(&unit::fast::Shape).await.expect("sent");
    assert_eq!(
        take_body(&emulator),
        b"{}",
        "a parameterless action sends an empty object"
    );
}

// -------------------------------------------------------------------------------------------
// Structs whose serde attributes decide for themselves: serde derives them, and the body writer
// must keep the meaning the attributes give.
// -------------------------------------------------------------------------------------------

fn is_zero(value: &Option<u8>) -> bool {
    *value == Some(0)
}

fn upper<S: Serializer>(value: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    value.as_ref().map(|text| text.to_uppercase()).serialize(serializer)
}

#[refold_action(slug = "differential", id = "attributes")]
#[derive(Clone, Debug)]
struct WithAttributes {
    #[serde(rename = "e-mail")]
    email: String,
    /// Its own predicate: `None` is left out by serde already.
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<u8>,
    /// Its own predicate lets `None` through: sent as `null`.
    #[serde(skip_serializing_if = "is_zero")]
    kept: Option<u8>,
    /// Its own serializer, never handed a `None`: left out.
    #[serde(serialize_with = "upper")]
    shout: Option<String>,
    clear: Option<Option<String>>,
    #[serde(flatten)]
    extra: Extra,
    #[serde(flatten)]
    tags: BTreeMap<String, Option<i32>>,
}

#[derive(Clone, Debug, Serialize)]
struct Extra {
    company: Option<String>,
    size: u32,
}

impl Arbitrary for WithAttributes {
    fn arbitrary(g: &mut Gen) -> WithAttributes {
        let tags = BTreeMap::<String, Option<i32>>::arbitrary(g)
            .into_iter()
            .map(|(key, value)| (format!("tag {key}"), value))
            .collect();
        WithAttributes {
            email: Arbitrary::arbitrary(g),
            skipped: Arbitrary::arbitrary(g),
            kept: if g.edge() { Some(0) } else { Arbitrary::arbitrary(g) },
            shout: Arbitrary::arbitrary(g),
            clear: Arbitrary::arbitrary(g),
            extra: Extra {
                company: Arbitrary::arbitrary(g),
                size: Arbitrary::arbitrary(g),
            },
            tags,
        }
    }
}

/// The body DESIGN's rule gives, written out field by field: top-level `None` is left out,
/// unless the field's own `skip_serializing_if` let it through.
fn attributes_body(params: &WithAttributes) -> String {
    fn json(value: &impl Serialize) -> String {
        serde_json::to_string(value).expect("serializable")
    }
    let mut fields = vec![format!("\"e-mail\":{}", json(&params.email))];
    if let Some(skipped) = params.skipped {
        fields.push(format!("\"skipped\":{}", json(&skipped)));
    }
    match params.kept {
        Some(0) => {}
        kept => fields.push(format!("\"kept\":{}", json(&kept))),
    }
    if let Some(shout) = &params.shout {
        fields.push(format!("\"shout\":{}", json(&shout.to_uppercase())));
    }
    if let Some(clear) = &params.clear {
        fields.push(format!("\"clear\":{}", json(clear)));
    }
    if let Some(company) = &params.extra.company {
        fields.push(format!("\"company\":{}", json(company)));
    }
    fields.push(format!("\"size\":{}", json(&params.extra.size)));
    for (key, value) in &params.tags {
        if let Some(value) = value {
            fields.push(format!("{}:{}", json(key), json(value)));
        }
    }
    format!("{{{}}}", fields.join(","))
}

/// The struct as a `Value` with the keys of its top-level `None` values removed. `kept` stays
/// even when it is `None`: its own predicate sent it (as `null`).
fn attributes_value(params: &WithAttributes) -> Value {
    let mut value = value_of(params);
    let object = value.as_object_mut().expect("an object");
    let mut none = vec![];
    if params.clear.is_none() {
        none.push("clear".to_owned());
    }
    if params.extra.company.is_none() {
        none.push("company".to_owned());
    }
    none.extend(
        params
            .tags
            .iter()
            .filter(|(_, value)| value.is_none())
            .map(|(key, _)| key.clone()),
    );
    for key in none {
        object.remove(&key);
    }
    value
}

#[tokio::test]
async fn the_body_keeps_what_a_fields_own_serde_attributes_decide() {
    let (emulator, client) = recording_emulator().await;
    let mut g = Gen::new(SEED + 200);
    let mut kept_nulls = 0;
    for n in 0..BODY_VALUES * 4 {
        let params = WithAttributes::arbitrary(&mut g);
        client.execute(&params).await.expect("sent");
        let sent = take_body(&emulator);
        assert_eq!(
            String::from_utf8(sent.clone()).expect("UTF-8"),
            attributes_body(&params),
            "value {n}: body bytes"
        );
        let sent: Value = serde_json::from_slice(&sent).expect("JSON");
        assert_eq!(sent, attributes_value(&params), "value {n}: body value");
        kept_nulls += usize::from(sent.get("kept") == Some(&Value::Null));
    }
    assert!(
        kept_nulls > 0,
        "the seed reaches a `None` that the field's predicate sends"
    );
}
