//! The `jobmatch.v1` API. The crate owns the .proto files and re-exports `tonic` and `prost` so every crate of
//! the workspace uses one version of each.

pub use prost;
pub use tonic;

pub mod v1 {
    tonic::include_proto!("jobmatch.v1");
}

/// Encoded `FileDescriptorSet` of the API, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/jobmatch_descriptor.bin"));
