//! Tantivy collectors that gather catalog ids while the query runs, reading fast-field columns instead of the
//! doc store: search and matching need every hit (exact totals, facets, hard conditions), not a top-k heap.

use tantivy::Score;

/// Collects every matching document as (score, catalog id), reading ids from the `id` fast field as it goes:
/// search and matching need all hits (exact totals, facets, post-filters), and a top-k heap sized to the
/// whole index would cost more than this flat list.
pub struct AllIds {
    pub scoring: bool,
}

pub struct AllIdsSegment {
    ids: tantivy::columnar::Column<u64>,
    out: Vec<(Score, u64)>,
}

impl tantivy::collector::Collector for AllIds {
    type Fruit = Vec<(Score, u64)>;
    type Child = AllIdsSegment;

    fn for_segment(
        &self,
        _: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<AllIdsSegment> {
        Ok(AllIdsSegment {
            ids: reader.fast_fields().u64("id")?,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(Score, u64)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl tantivy::collector::SegmentCollector for AllIdsSegment {
    type Fruit = Vec<(Score, u64)>;

    fn collect(&mut self, doc: tantivy::DocId, score: Score) {
        if let Some(id) = self.ids.first(doc) {
            self.out.push((score, id));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.out
    }
}

/// Like [`AllIds`], for needs: keeps only documents inside a bounding box whose packed conditions the citizen
/// allows, reading the `lat`, `lon` and `cond` columns as it collects.
pub struct NeedIds {
    pub bbox: (f64, f64, f64, f64),
    pub mask: Option<crate::needbits::CitizenMask>,
    /// Off for occupation retrieval, where every hit counts the same: Tantivy then unions the postings
    /// without computing scores.
    pub scoring: bool,
}

pub struct NeedIdsSegment {
    ids: tantivy::columnar::Column<u64>,
    lat: tantivy::columnar::Column<f64>,
    lon: tantivy::columnar::Column<f64>,
    cond: tantivy::columnar::Column<u64>,
    bbox: (f64, f64, f64, f64),
    mask: Option<crate::needbits::CitizenMask>,
    out: Vec<(Score, u64)>,
}

impl tantivy::collector::Collector for NeedIds {
    type Fruit = Vec<(Score, u64)>;
    type Child = NeedIdsSegment;

    fn for_segment(
        &self,
        _: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<NeedIdsSegment> {
        let ff = reader.fast_fields();
        Ok(NeedIdsSegment {
            ids: ff.u64("id")?,
            lat: ff.f64("lat")?,
            lon: ff.f64("lon")?,
            cond: ff.u64("cond")?,
            bbox: self.bbox,
            mask: self.mask,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(Score, u64)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl tantivy::collector::SegmentCollector for NeedIdsSegment {
    type Fruit = Vec<(Score, u64)>;

    fn collect(&mut self, doc: tantivy::DocId, score: Score) {
        let (min_lat, max_lat, min_lon, max_lon) = self.bbox;
        let inside = self
            .lat
            .first(doc)
            .is_some_and(|v| (min_lat..=max_lat).contains(&v))
            && self
                .lon
                .first(doc)
                .is_some_and(|v| (min_lon..=max_lon).contains(&v));
        if !inside {
            return;
        }
        if let Some(mask) = &self.mask
            && !self.cond.first(doc).is_some_and(|bits| mask.allows(bits))
        {
            return;
        }
        if let Some(id) = self.ids.first(doc) {
            self.out.push((score, id));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.out
    }
}
