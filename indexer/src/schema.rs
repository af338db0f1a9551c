//! One Tantivy index holds two kinds of documents, companies and needs, told apart by `kind`. Each document
//! stores its record once (`record`, in the stored layout of `stored.rs`), from which the catalog is rebuilt
//! when the index is opened, and a numeric `id` fast field that search and matching use to reach the catalog
//! without the doc store. Text is indexed with frequencies, not positions (no phrase queries are asked), and
//! is not stored a second time: highlights read the record, and a company's open needs' titles and
//! descriptions are stored on the company's document for its hit.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis::DANISH;

pub const KIND_COMPANY: &str = "company";
pub const KIND_NEED: &str = "need";

#[derive(Debug, Clone)]
pub struct Fields {
    pub id: Field,
    /// "company:<cvr>" or "need:<need_id>": the term an upsert deletes.
    pub key: Field,
    pub kind: Field,
    pub cvr: Field,
    pub record: Field,
    pub name: Field,
    pub industry: Field,
    pub description: Field,
    pub needs_text: Field,
    pub title: Field,
    pub competences: Field,
    pub municipality: Field,
    /// Every prefix of the DB07 code ("5", "52", ... "521000"), so a prefix filter is one term.
    pub db07: Field,
    /// ISCO-08 groups of a need at each level, as "4:9333", "3:933", "2:93", "1:9".
    pub isco: Field,
    pub status: Field,
    pub lat: Field,
    pub lon: Field,
    /// Grid cell of the location ("c:<lat index>:<lon index>", see `geo::cell`): a radius filter becomes a union
    /// of a few cell terms, far cheaper than range scans over the coordinate columns.
    pub cell: Field,
    /// A need's hard-condition values packed by `needbits::pack`.
    pub cond: Field,
    pub employees: Field,
    /// On a company: the titles and descriptions of its open needs, stored for highlighting only.
    pub need_titles: Field,
    pub need_descriptions: Field,
    /// A need's ISCO unit and minor groups joined with its area ("4:9333@223:25", see `geo::group_area`):
    /// matching reads the postings of the citizen's groups near the citizen only. Added last, so an index
    /// built before it keeps the ids of every other field and can be rebuilt from its stored records.
    pub isco_area: Field,
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = || {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(DANISH)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let fields = Fields {
            id: b.add_u64_field("id", FAST | INDEXED | STORED),
            key: b.add_text_field("key", STRING),
            kind: b.add_text_field("kind", STRING | STORED),
            cvr: b.add_text_field("cvr", STRING),
            record: b.add_bytes_field("record", STORED),
            name: b.add_text_field("name", text()),
            industry: b.add_text_field("industry", text()),
            description: b.add_text_field("description", text()),
            needs_text: b.add_text_field("needs_text", text()),
            title: b.add_text_field("title", text()),
            competences: b.add_text_field("competences", text()),
            municipality: b.add_text_field("municipality", STRING),
            db07: b.add_text_field("db07", STRING),
            isco: b.add_text_field("isco", STRING),
            status: b.add_text_field("status", STRING),
            lat: b.add_f64_field("lat", FAST | INDEXED),
            lon: b.add_f64_field("lon", FAST | INDEXED),
            cell: b.add_text_field("cell", STRING),
            cond: b.add_u64_field("cond", FAST),
            employees: b.add_u64_field("employees", FAST | INDEXED),
            need_titles: b.add_text_field("need_titles", STORED),
            need_descriptions: b.add_text_field("need_descriptions", STORED),
            isco_area: b.add_text_field("isco_area", STRING),
        };
        (b.build(), fields)
    }
}
