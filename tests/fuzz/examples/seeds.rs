//! Writes the seed corpus (tests/fuzz/corpus/<target>/): valid inputs of each target, so that mutations start
//! from requests that reach deep into the service. `cargo run -p jobmatch-fuzz --example seeds`
use std::path::Path;

use jobmatch_proto::v1::*;
use prost::Message;

fn write(target: &str, name: &str, bytes: &[u8]) {
    write_in("corpus", target, name, bytes);
}

fn write_in(corpus: &str, target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(corpus)
        .join(target);
    std::fs::create_dir_all(&dir).expect("corpus dir");
    std::fs::write(dir.join(name), bytes).expect("seed");
}

fn rpc(name: &str, method: u8, meta: u8, m: &impl Message) {
    let mut b = vec![method, meta];
    b.extend(m.encode_to_vec());
    write("rpc_bytes", name, &b);
}

fn main() {
    let demo = jobmatch_demo::default_demo();
    let companies: Vec<Company> = demo
        .companies
        .iter()
        .take(20)
        .map(|c| serde_json::from_value(c.clone()).unwrap())
        .collect();
    let needs: Vec<Need> = demo
        .needs
        .iter()
        .take(20)
        .map(|n| serde_json::from_value(n.clone()).unwrap())
        .collect();
    let lines = |v: &[serde_json::Value]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    write(
        "ingest_companies",
        "demo",
        lines(&demo.companies[..20]).as_bytes(),
    );
    write("ingest_needs", "demo", lines(&demo.needs[..20]).as_bytes());
    write(
        "stored_record",
        "company",
        &serde_json::to_vec(&companies[0]).unwrap(),
    );
    write(
        "stored_record",
        "need",
        &serde_json::to_vec(&needs[0]).unwrap(),
    );

    rpc("upsert_company", 0, 1, &companies[0]);
    rpc(
        "get_company",
        1,
        1,
        &GetCompanyRequest {
            cvr: companies[1].cvr.clone(),
        },
    );
    rpc("upsert_need", 3, 0, &needs[0]);
    rpc(
        "get_need",
        4,
        0,
        &GetNeedRequest {
            need_id: needs[1].need_id.clone(),
        },
    );
    rpc(
        "close_need",
        5,
        0,
        &CloseNeedRequest {
            need_id: needs[2].need_id.clone(),
            status: "filled".into(),
        },
    );
    rpc(
        "search",
        7,
        1,
        &SearchCompaniesRequest {
            query: "lager".into(),
            near: Some(Near {
                postcode: "8000".into(),
                radius_km: 30.0,
                ..Default::default()
            }),
            has_open_needs: Some(true),
            partnership: Some(true),
            page_size: 20,
            ..Default::default()
        },
    );
    let citizen = CitizenProfile {
        citizen_ref: "AAR-2026-0042".into(),
        municipality_code: "0751".into(),
        home: Some(Home {
            postcode: "8210".into(),
            ..Default::default()
        }),
        max_distance_km: 25.0,
        transport: "public".into(),
        job_goals: vec![
            JobGoal {
                text: "lagermand".into(),
                occupation_code: None,
            },
            JobGoal {
                text: "noget med kunder".into(),
                occupation_code: Some("4222".into()),
            },
        ],
        competences: vec!["truckcertifikat".into(), "omhyggelig".into()],
        experience: vec![Experience {
            title: "pakkeri".into(),
            years: 2.0,
            ordinary_hours: true,
        }],
        previous_ordinary_hours: true,
        education: "none".into(),
        danish_level: "good".into(),
        driving_licences: vec!["B".into()],
        available_hours_per_week: 20,
        shifts_possible: vec!["day".into()],
        physical_capacity: "medium".into(),
        cv_text: Some("Erfaring med lager".into()),
    };
    rpc(
        "match",
        8,
        1,
        &MatchCitizenRequest {
            citizen: Some(citizen.clone()),
            options: Some(MatchOptions {
                k: 10,
                explain: true,
                ..Default::default()
            }),
        },
    );
    rpc(
        "normalize",
        9,
        0,
        &NormalizeOccupationRequest {
            text: "sosu hjælper".into(),
            limit: 5,
        },
    );

    let mut body = Vec::new();
    for r in companies
        .iter()
        .take(3)
        .map(|c| BulkUpsertRequest {
            record: Some(bulk_upsert_request::Record::Company(c.clone())),
        })
        .chain(needs.iter().take(3).map(|n| BulkUpsertRequest {
            record: Some(bulk_upsert_request::Record::Need(n.clone())),
        }))
    {
        let m = r.encode_to_vec();
        body.push(0);
        body.extend((m.len() as u32).to_be_bytes());
        body.extend(m);
    }
    let mut raw = vec![1u8, 0];
    raw.extend(&body);
    write("bulk_frames", "demo", &raw);

    for (name, text) in [
        ("goal", "lagermand"),
        ("phrase", "noget med børn i en børnehave"),
        ("title", "Social- og sundhedsassistent, nat"),
    ] {
        write("analyzer", name, text.as_bytes());
        write("normalize", name, text.as_bytes());
    }
    let mut s = vec![80u8];
    s.extend("lager".as_bytes());
    s.push(0xFF);
    s.extend("Vi søger en lagermedarbejder til vores lager i Aarhus".as_bytes());
    write("snippet", "plain", &s);
    write("metadata", "valid", b"0751\nreadme-1\n100m");
    regressions(&citizen, &companies[0]);
    println!("seed and regression corpus written");
}

/// Inputs of the bugs the hardening review found (issue 9), in the encoding of each target; kept in
/// regressions/ with the inputs fuzzing finds later.
fn regressions(citizen: &CitizenProfile, company: &Company) {
    let reg = |target: &str, name: &str, bytes: &[u8]| write_in("regressions", target, name, bytes);
    let rpc = |name: &str, method: u8, meta: u8, m: &dyn Fn() -> Vec<u8>| {
        let mut b = vec![method, meta];
        b.extend(m());
        reg("rpc_bytes", name, &b);
    };
    let spaces = [
        '\u{00A0}', '\u{202F}', '\u{2009}', '\u{3000}', '\u{0085}', '\u{2028}', '\u{1680}',
    ];
    for (i, ws) in spaces.iter().enumerate() {
        let text = [
            "Vi",
            "er",
            "en",
            "virksomhed",
            "i",
            "vækst",
            "med",
            "mange",
            "gode",
            "kolleger",
            "og",
            "et",
            "stort",
            "lager",
        ]
        .join(&ws.to_string());
        let mut s = vec![80u8];
        s.extend("lager".as_bytes());
        s.push(0xFF);
        s.extend(text.as_bytes());
        reg("snippet", &format!("space-before-match-{i}"), &s);
        let mut c = company.clone();
        c.description = Some(text.clone());
        rpc(&format!("space-{i}-1-upsert"), 0, 0, &|| c.encode_to_vec());
        rpc(&format!("space-{i}-2-search"), 7, 0, &|| {
            SearchCompaniesRequest {
                query: "lager".into(),
                ..Default::default()
            }
            .encode_to_vec()
        });
    }
    rpc("dotted-i-search", 7, 1, &|| {
        SearchCompaniesRequest {
            query: "İzmir".into(),
            ..Default::default()
        }
        .encode_to_vec()
    });
    let mut goal = citizen.clone();
    goal.job_goals = vec![JobGoal {
        text: "İnşaat işçisi".into(),
        occupation_code: None,
    }];
    rpc("dotted-i-goal", 8, 1, &|| {
        MatchCitizenRequest {
            citizen: Some(goal.clone()),
            options: None,
        }
        .encode_to_vec()
    });
    let mut many = Need {
        need_id: "CODES-1".into(),
        cvr: company.cvr.clone(),
        title: "Lager".into(),
        ..Default::default()
    };
    many.occupation_codes = vec!["9333".into(); 20_000];
    rpc("many-occupation-codes", 3, 0, &|| many.encode_to_vec());
    for (i, r) in [
        "010190-1234\n",
        "010190\u{2011}1234",
        "010190\u{2013}1234",
        "010190\u{00A0}1234",
        "０１０１９０－１２３４",
        "CPR 010190-1234",
        "AAR-1\nforged",
    ]
    .iter()
    .enumerate()
    {
        let mut c = citizen.clone();
        c.citizen_ref = r.to_string();
        rpc(&format!("cpr-ref-{i}"), 8, 1, &|| {
            MatchCitizenRequest {
                citizen: Some(c.clone()),
                options: None,
            }
            .encode_to_vec()
        });
    }
    for (i, meta) in [3u8, 4].iter().enumerate() {
        rpc(&format!("bad-tenant-{i}"), 7, *meta, &|| {
            SearchCompaniesRequest {
                query: "lager".into(),
                jobcenter: "0101".into(),
                ..Default::default()
            }
            .encode_to_vec()
        });
    }
    // An undecodable frame in the middle of a bulk stream once returned OK having dropped the rest.
    let mut raw = vec![0u8, 0];
    for i in 0..3 {
        let m = if i == 1 {
            vec![0x0a, 0x7f, 1, 2, 3]
        } else {
            BulkUpsertRequest {
                record: Some(bulk_upsert_request::Record::Company(company.clone())),
            }
            .encode_to_vec()
        };
        raw.push(0);
        raw.extend((m.len() as u32).to_be_bytes());
        raw.extend(m);
    }
    reg("bulk_frames", "undecodable-frame", &raw);
    reg("analyzer", "dotted-i", "İZMİR İnşaat".as_bytes());
    reg(
        "metadata",
        "cpr-request-id",
        b"abc\n010190-1234\n5x\n0751,0101",
    );
}
