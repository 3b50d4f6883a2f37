//! The code `#[refold_action]` generates, written as a declarative macro.
//!
//! The attribute reads and checks the struct, then expands to one invocation of
//! [`__refold_action!`](crate::__refold_action) that carries only the facts (name, generics,
//! slug, id, output type, fields); this macro writes the impls. rustc expands a `macro_rules!`
//! natively, while every token a procedural macro emits crosses the proc-macro bridge one by
//! one, so this split keeps a crate with hundreds of actions quick to compile. `$crate` names
//! this crate however the user renamed it.
//!
//! Not public API: no stability promise.

/// Writes `impl Action`, the inherent `execute` and, when asked, `impl Serialize` for a struct
/// annotated with `#[refold_action]`.
///
/// `serialize` is one of:
/// - `derived`: serde's derive (or the user's) implements `Serialize`;
/// - `{ unit: "Name" }`: a unit struct, serialized as serde's derive would;
/// - `{ struct: "Name", fields: N, this: a, writer: b; b.field("key", &a.field)?; … }`: a struct
///   with named fields and no attributes serde reads, serialized as serde's derive would;
/// - `{ union }`: a stand-in impl for a union (only emitted next to a compile error).
///
/// `snapshot: "/abs/path.json"`, when the struct was checked against a schema snapshot, reads the
/// file with `include_bytes!` and `REFOLD_SCHEMA_DIR` with `option_env!` inside the block, so
/// that rustc lists both in the crate's dep-info and Cargo rebuilds the crate when either
/// changes. (Statements of the block rather than a constant of their own: a separate item costs
/// a type check and an evaluation per struct.)
#[doc(hidden)]
#[macro_export]
macro_rules! __refold_action {
    (
        type: $ident:ident,
        impl_generics: [$($impl_generics:tt)*],
        type_generics: [$($type_generics:tt)*],
        where_clause: [$($where_clause:tt)*],
        slug: $slug:literal,
        id: $id:literal,
        idempotent: $idempotent:literal,
        output: $output:ty,
        doc: $doc:literal,
        serialize: $serialize:tt
        $(, snapshot: $snapshot:literal)? $(,)?
    ) => {
        #[allow(unused_qualifications)]
        const _: () = {
            $(
                let _ = $crate::__private::include_bytes!($snapshot);
                let _ = $crate::__private::option_env!("REFOLD_SCHEMA_DIR");
            )?

            #[automatically_derived]
            impl $($impl_generics)* $crate::__private::Action for $ident $($type_generics)* $($where_clause)* {
                const SLUG: &'static $crate::__private::str = $slug;
                const ACTION_ID: &'static $crate::__private::str = $id;
                const IDEMPOTENT: $crate::__private::bool = $idempotent;
                type Output = $output;
            }

            #[automatically_derived]
            impl $($impl_generics)* $ident $($type_generics)* $($where_clause)* {
                #[doc = $doc]
                #[inline]
                pub fn execute<'__refold>(
                    &'__refold self,
                    client: &'__refold $crate::__private::Client,
                ) -> $crate::__private::Execute<'__refold, Self> {
                    $crate::__private::Client::execute(client, self)
                }
            }

            $crate::__refold_action! {
                @serialize $serialize $ident [$($impl_generics)*] [$($type_generics)*] [$($where_clause)*]
            }
        };
    };

    (@serialize derived $($rest:tt)*) => {};

    (@serialize { unit: $name:literal } $ident:ident [] [] []) => {
        #[automatically_derived]
        impl $crate::__private::serde::Serialize for $ident {
            fn serialize<__S: $crate::__private::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> $crate::__private::Result<__S::Ok, __S::Error> {
                $crate::__private::serde::Serializer::serialize_unit_struct(serializer, $name)
            }
        }
    };

    (
        @serialize { struct: $name:literal, fields: $count:literal, this: $this:ident, writer: $writer:ident; $($field:stmt;)* }
        $ident:ident [] [] []
    ) => {
        #[automatically_derived]
        impl $crate::__private::serde::Serialize for $ident {
            fn serialize<__S: $crate::__private::serde::Serializer>(
                &self,
                serializer: __S,
            ) -> $crate::__private::Result<__S::Ok, __S::Error> {
                // The attribute names the bindings and writes one statement per field with the
                // field's span, so a field whose type is not `Serialize` is reported there.
                #[allow(unused_variables)]
                let $this = self;
                let mut $writer = $crate::__private::StructWriter(
                    $crate::__private::serde::Serializer::serialize_struct(serializer, $name, $count)?,
                );
                $($field;)*
                $writer.end()
            }
        }
    };

    (
        @serialize { union } $ident:ident
        [$($impl_generics:tt)*] [$($type_generics:tt)*] [$($where_clause:tt)*]
    ) => {
        #[automatically_derived]
        impl $($impl_generics)* $crate::__private::serde::Serialize for $ident $($type_generics)* $($where_clause)* {
            fn serialize<__S: $crate::__private::serde::Serializer>(
                &self,
                _: __S,
            ) -> $crate::__private::Result<__S::Ok, __S::Error> {
                $crate::__private::Result::Err(<__S::Error as $crate::__private::serde::ser::Error>::custom(
                    "`#[refold_action]` cannot serialize a union",
                ))
            }
        }
    };
}
