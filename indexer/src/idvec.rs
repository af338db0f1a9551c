//! A persistent vector indexed by catalog id. The matcher looks up every retrieved need, so a lookup must cost
//! as few cache misses as possible: here it is one small top-level array (in cache) and the value itself,
//! stored inline in its chunk, where a hash trie walks four or five nodes at a million entries. Copies share
//! chunks, so a write transaction clones the top level only (one pointer per 256 ids) and copies the chunks it
//! changes (values should be cheap to clone: small, with shared slices).

use std::sync::Arc;

const CHUNK_BITS: u32 = 8;
const CHUNK: usize = 1 << CHUNK_BITS;

type Chunk<T> = [Option<T>; CHUNK];

#[derive(Debug)]
pub struct IdVec<T> {
    chunks: Vec<Option<Arc<Chunk<T>>>>,
    len: usize,
}

impl<T> Clone for IdVec<T> {
    fn clone(&self) -> Self {
        IdVec {
            chunks: self.chunks.clone(),
            len: self.len,
        }
    }
}

impl<T> Default for IdVec<T> {
    fn default() -> Self {
        IdVec {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

// Ids are u64; on the 64-bit targets the service is built for, every id is a valid position.
const _: () = assert!(usize::BITS == 64);

fn split(id: u64) -> (usize, usize) {
    ((id >> CHUNK_BITS) as usize, (id as usize) & (CHUNK - 1))
}

impl<T> IdVec<T> {
    pub fn get(&self, id: &u64) -> Option<&T> {
        let (c, i) = split(*id);
        self.chunks.get(c)?.as_ref()?[i].as_ref()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Ids in ascending order.
    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.chunks.iter().enumerate().flat_map(|(c, chunk)| {
            chunk.iter().flat_map(move |chunk| {
                chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| v.is_some())
                    .map(move |(i, _)| ((c as u64) << CHUNK_BITS) | i as u64)
            })
        })
    }

    /// Values in ascending order of id.
    pub fn values(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks
            .iter()
            .flatten()
            .flat_map(|chunk| chunk.iter().flatten())
    }
}

impl<T: Clone> IdVec<T> {
    /// The chunk of `id` to change, copied from the shared one on first write.
    fn chunk_mut(&mut self, c: usize) -> &mut Chunk<T> {
        if self.chunks.len() <= c {
            self.chunks.resize(c + 1, None);
        }
        let slot = self.chunks[c].get_or_insert_with(|| Arc::new(std::array::from_fn(|_| None)));
        Arc::make_mut(slot)
    }

    pub fn insert(&mut self, id: u64, value: T) -> Option<T> {
        let (c, i) = split(id);
        let old = self.chunk_mut(c)[i].replace(value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    pub fn remove(&mut self, id: &u64) -> Option<T> {
        let (c, i) = split(*id);
        self.chunks.get(c)?.as_ref()?[i].as_ref()?;
        let old = self.chunk_mut(c)[i].take();
        self.len -= usize::from(old.is_some());
        old
    }

    pub fn get_mut(&mut self, id: &u64) -> Option<&mut T> {
        let (c, i) = split(*id);
        self.chunks.get(c)?.as_ref()?[i].as_ref()?;
        self.chunk_mut(c)[i].as_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_until_written() {
        let mut a: IdVec<u32> = IdVec::default();
        for id in [1u64, 2, 300, 70_000] {
            a.insert(id, id as u32);
        }
        let b = a.clone();
        a.insert(2, 7);
        a.remove(&300);
        assert_eq!(a.get(&2), Some(&7));
        assert_eq!(b.get(&2), Some(&2));
        assert!(a.get(&300).is_none() && b.get(&300).is_some());
        assert_eq!(a.ids().collect::<Vec<_>>(), vec![1, 2, 70_000]);
        assert_eq!((a.len(), b.len()), (3, 4));
        assert!(a.get(&u64::MAX).is_none() && a.remove(&u64::MAX).is_none());
        *a.get_mut(&1).unwrap() = 9;
        assert_eq!(b.get(&1), Some(&1));
    }
}
