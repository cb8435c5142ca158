using System.Collections.Frozen;

namespace OpenNdi.Synthetic.Clinical;

/// <summary>
/// The static clinical content the synthetic history generator draws from: long-term and acute conditions with
/// age-dependent rates, and the medicines, laboratory tests, imaging, procedures, implants, allergies, medical alerts
/// (uppmärksamhetsinformation) and vaccines that go with them.
/// <para>
/// Codes: diagnoses in ICD-10 (WHO edition, <see cref="CodeSystems.Icd10"/>) with SNOMED CT (international edition)
/// alongside; medicines and vaccines in ATC (WHO Collaborating Centre, WHO display names); laboratory tests in LOINC
/// with the NPU code (IFCC/IUPAC Nomenclature for Properties and Units) where a Swedish laboratory's code is known,
/// results in UCUM units as Swedish laboratories report them (HbA1c in mmol/mol, creatinine in µmol/L, haemoglobin in
/// g/L, ALT in µkat/L); imaging in LOINC with DICOM modality and SNOMED CT body site; procedures and devices in
/// SNOMED CT. SNOMED CT codes were checked against the SNOMED International IPS free set, the eHDSI value sets and the
/// Swedish alert-information guide. Where no code could be confirmed the slot is null (all KVÅ codes; NPU codes for
/// eGFR, troponin T, NT-proBNP, urine albumin/creatinine and vitamin D) or a more general concept is used (LOINC
/// 18748-4 "Diagnostic imaging study" for radiographs and CT without a confirmed specific code; "Ophthalmological
/// implant" for the intraocular lens).
/// </para>
/// <para>
/// Rates are rounded figures of the order seen in Swedish and European statistics (Socialstyrelsen, SCB,
/// Folkhälsomyndigheten, national quality registers): they give realistic proportions, not epidemiology.
/// Dosage instructions are in Swedish, as a prescriber writes them.
/// </para>
/// <para>
/// Every key a condition or procedure references (medication, lab, imaging, procedure, device) must exist in the
/// matching dictionary; CatalogTests checks this. Key conventions the generator relies on: acute keys starting with
/// "delivery" apply to women only; an alert whose key contains "anticoag" or "pacemaker" is derived from the
/// patient's medication or devices instead of drawn at random; a device key containing "pacemaker" and the procedure
/// key "pci" route the admission to cardiology.
/// </para>
/// </summary>
public static class ClinicalCatalog
{
    // Long-term conditions. Prevalence is the share of each ten-year age band (both sexes; FemaleFactor skews it).
    public static IReadOnlyList<ChronicCondition> ChronicConditions { get; } =
    [
        Chronic("hypertension", Icd("I10", "Essential (primary) hypertension"), Sct("59621000", "Essential hypertension"),
            new(0, 0.002, 0.01, 0.04, 0.10, 0.22, 0.35, 0.50, 0.60, 0.62), 1.0, 1.5,
            ["amlodipine", "enalapril", "losartan", "hydrochlorothiazide"], ["creatinine", "potassium", "sodium", "egfr"], [],
            null, null, 0, "primary"),
        Chronic("type2-diabetes", Icd("E11.9", "Type 2 diabetes mellitus without complications"), Sct("44054006", "Type 2 diabetes mellitus"),
            new(0, 0.001, 0.005, 0.015, 0.04, 0.08, 0.13, 0.17, 0.18, 0.15), 0.8, 3,
            ["metformin", "empagliflozin", "insulin-glargine"], ["hba1c", "creatinine", "egfr", "ldl", "uacr"], ["hba1c", "uacr"],
            null, null, 0, "primary"),
        Chronic("type1-diabetes", Icd("E10.9", "Type 1 diabetes mellitus without complications"), Sct("46635009", "Type 1 diabetes mellitus"),
            new(0.002, 0.006, 0.006, 0.006, 0.006, 0.005, 0.005, 0.004, 0.003, 0.002), 0.9, 3,
            ["insulin-glargine", "insulin-aspart"], ["hba1c", "creatinine", "egfr", "uacr"], ["hba1c"],
            null, null, 0, "specialist"),
        Chronic("asthma", Icd("J45.9", "Asthma, unspecified"), Sct("195967001", "Asthma"),
            new(0.06, 0.09, 0.08, 0.08, 0.07, 0.07, 0.07, 0.07, 0.06, 0.05), 1.1, 1,
            ["salbutamol", "budesonide", "budesonide-formoterol"], [], [],
            null, null, 0, "primary"),
        Chronic("copd", Icd("J44.9", "Chronic obstructive pulmonary disease, unspecified"), Sct("13645005", "Chronic obstructive lung disease"),
            new(0, 0, 0, 0.002, 0.01, 0.03, 0.06, 0.09, 0.10, 0.08), 1.0, 2,
            ["tiotropium", "budesonide-formoterol", "salbutamol"], [], [],
            "xr-chest", null, 0, "primary"),
        Chronic("atrial-fibrillation", Icd("I48.9", "Atrial fibrillation and atrial flutter, unspecified"), Sct("49436004", "Atrial fibrillation"),
            new(0, 0, 0.001, 0.002, 0.005, 0.015, 0.04, 0.09, 0.15, 0.18), 0.85, 2,
            ["apixaban", "metoprolol", "warfarin"], ["creatinine", "egfr", "haemoglobin", "inr"], ["inr"],
            "echo-heart", "pacemaker", 0.05, "specialist"),
        Chronic("heart-failure", Icd("I50.9", "Heart failure, unspecified"), Sct("84114007", "Heart failure"),
            new(0, 0, 0, 0.001, 0.003, 0.01, 0.025, 0.05, 0.10, 0.15), 0.9, 3,
            ["furosemide", "enalapril", "bisoprolol", "spironolactone"], ["nt-probnp", "creatinine", "egfr", "potassium", "sodium"], ["nt-probnp", "creatinine"],
            "echo-heart", "pacemaker", 0.05, "specialist"),
        Chronic("ischaemic-heart-disease", Icd("I25.1", "Atherosclerotic heart disease"), Sct("53741008", "Coronary arteriosclerosis"),
            new(0, 0, 0, 0.002, 0.01, 0.03, 0.07, 0.12, 0.17, 0.20), 0.6, 1.5,
            ["acetylsalicylic-acid", "atorvastatin", "metoprolol"], ["ldl", "cholesterol", "creatinine"], ["ldl"],
            null, "pci", 0.3, "specialist"),
        Chronic("depression", Icd("F32.9", "Depressive episode, unspecified"), Sct("35489007", "Depressive disorder"),
            new(0.002, 0.04, 0.08, 0.08, 0.07, 0.06, 0.05, 0.05, 0.06, 0.06), 1.4, 3,
            ["sertraline", "escitalopram", "mirtazapine"], [], [],
            null, null, 0, "primary"),
        Chronic("anxiety", Icd("F41.1", "Generalized anxiety disorder"), Sct("21897009", "Generalized anxiety disorder"),
            new(0.002, 0.05, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.03, 0.03), 1.4, 2,
            ["sertraline", "escitalopram"], [], [],
            null, null, 0, "primary"),
        Chronic("insomnia", Icd("G47.0", "Disorders of initiating and maintaining sleep [insomnias]"), Sct("193462001", "Insomnia"),
            new(0, 0.003, 0.01, 0.015, 0.02, 0.03, 0.04, 0.06, 0.08, 0.09), 1.4, 0.5,
            ["zopiclone"], [], [],
            null, null, 0, "primary"),
        Chronic("hypothyroidism", Icd("E03.9", "Hypothyroidism, unspecified"), Sct("40930008", "Hypothyroidism"),
            new(0.001, 0.005, 0.015, 0.025, 0.035, 0.05, 0.06, 0.07, 0.07, 0.07), 1.6, 1,
            ["levothyroxine"], ["tsh", "ft4"], ["tsh"],
            null, null, 0, "primary"),
        Chronic("gastro-oesophageal-reflux", Icd("K21.9", "Gastro-oesophageal reflux disease without oesophagitis"), Sct("235595009", "Gastroesophageal reflux disease"),
            new(0.002, 0.01, 0.03, 0.05, 0.07, 0.08, 0.09, 0.10, 0.10, 0.10), 1.1, 0.5,
            ["omeprazole"], [], [],
            null, null, 0, "primary"),
        Chronic("knee-osteoarthritis", Icd("M17.1", "Other primary gonarthrosis"), Sct("239873007", "Osteoarthritis of knee"),
            new(0, 0, 0, 0.002, 0.01, 0.04, 0.08, 0.12, 0.15, 0.15), 1.2, 1,
            ["paracetamol", "ibuprofen"], [], [],
            "xr-knee", "knee-replacement", 0.15, "primary"),
        Chronic("hip-osteoarthritis", Icd("M16.1", "Other primary coxarthrosis"), Sct("239872002", "Osteoarthritis of hip"),
            new(0, 0, 0, 0.002, 0.006, 0.02, 0.05, 0.08, 0.10, 0.10), 1.1, 1,
            ["paracetamol"], [], [],
            "xr-hip", "hip-replacement", 0.15, "primary"),
        Chronic("chronic-kidney-disease", Icd("N18.3", "Chronic kidney disease, stage 3"), Sct("433144002", "Chronic kidney disease stage 3"),
            new(0, 0, 0.001, 0.003, 0.006, 0.015, 0.04, 0.08, 0.15, 0.20), 1.0, 2,
            ["furosemide"], ["creatinine", "egfr", "potassium", "haemoglobin", "uacr"], ["creatinine", "egfr", "uacr"],
            null, null, 0, "specialist"),
        Chronic("rheumatoid-arthritis", Icd("M06.9", "Rheumatoid arthritis, unspecified"), Sct("69896004", "Rheumatoid arthritis"),
            new(0, 0.0005, 0.002, 0.004, 0.006, 0.008, 0.01, 0.012, 0.012, 0.01), 1.5, 3,
            ["methotrexate", "folic-acid"], ["crp", "haemoglobin", "wbc", "alt", "creatinine"], ["crp"],
            null, null, 0, "specialist"),
        Chronic("epilepsy", Icd("G40.9", "Epilepsy, unspecified"), Sct("84757009", "Epilepsy"),
            new(0.004, 0.006, 0.006, 0.006, 0.006, 0.006, 0.007, 0.008, 0.008, 0.008), 1.0, 1,
            ["lamotrigine", "levetiracetam"], [], [],
            "mr-brain", null, 0, "specialist"),
        Chronic("dementia", Icd("F03", "Unspecified dementia"), Sct("52448006", "Dementia"),
            new(0, 0, 0, 0, 0.001, 0.003, 0.01, 0.04, 0.12, 0.30), 1.2, 4,
            ["donepezil"], [], [],
            "ct-head", null, 0, "municipal"),
        Chronic("parkinson", Icd("G20", "Parkinson disease"), Sct("49049000", "Parkinson's disease"),
            new(0, 0, 0, 0.0002, 0.0005, 0.002, 0.005, 0.01, 0.015, 0.015), 0.7, 2,
            ["levodopa-carbidopa"], [], [],
            "mr-brain", null, 0, "specialist"),
        Chronic("osteoporosis", Icd("M81.9", "Osteoporosis, unspecified"), Sct("64859006", "Osteoporosis"),
            new(0, 0, 0, 0.001, 0.005, 0.02, 0.06, 0.12, 0.20, 0.25), 1.6, 1,
            ["alendronic-acid", "cholecalciferol"], ["vitamin-d"], ["vitamin-d"],
            null, null, 0, "primary"),
        Chronic("hyperlipidaemia", Icd("E78.5", "Hyperlipidaemia, unspecified"), Sct("55822004", "Hyperlipidemia"),
            new(0, 0.001, 0.01, 0.03, 0.07, 0.12, 0.18, 0.22, 0.20, 0.15), 0.9, 1,
            ["atorvastatin", "simvastatin"], ["cholesterol", "ldl", "hdl", "triglycerides", "alt"], ["cholesterol", "ldl", "triglycerides"],
            null, null, 0, "primary"),
        Chronic("psoriasis", Icd("L40.0", "Psoriasis vulgaris"), Sct("9014002", "Psoriasis"),
            new(0.005, 0.015, 0.025, 0.03, 0.03, 0.03, 0.03, 0.03, 0.025, 0.02), 1.0, 1,
            ["betamethasone"], [], [],
            null, null, 0, "primary"),
        Chronic("adhd", Icd("F90.0", "Disturbance of activity and attention"), Sct("406506008", "Attention deficit hyperactivity disorder"),
            new(0.03, 0.06, 0.04, 0.02, 0.01, 0.005, 0.002, 0, 0, 0), 0.7, 2,
            ["methylphenidate"], [], [],
            null, null, 0, "specialist"),
        Chronic("coeliac-disease", Icd("K90.0", "Coeliac disease"), Sct("396331005", "Celiac disease"),
            new(0.006, 0.01, 0.01, 0.01, 0.01, 0.01, 0.008, 0.006, 0.005, 0.004), 1.4, 0.5,
            [], ["haemoglobin"], [],
            null, null, 0, "primary"),
        Chronic("cataract", Icd("H25.9", "Senile cataract, unspecified"), Sct("193570009", "Cataract"),
            new(0, 0, 0, 0.001, 0.005, 0.02, 0.08, 0.20, 0.35, 0.45), 1.1, 0.5,
            [], [], [],
            null, "cataract-surgery", 0.5, "specialist"),
        Chronic("hearing-loss", Icd("H90.3", "Sensorineural hearing loss, bilateral"), Sct("194424005", "Sensorineural hearing loss, bilateral"),
            new(0.001, 0.003, 0.005, 0.008, 0.015, 0.04, 0.08, 0.18, 0.35, 0.50), 0.9, 0.5,
            [], [], [],
            null, "cochlear-implant", 0.01, "specialist"),
    ];

    // Acute episodes. Incidence is episodes per person-year in each age band.
    public static IReadOnlyList<AcuteCondition> AcuteConditions { get; } =
    [
        Acute("upper-respiratory-infection", Icd("J06.9", "Acute upper respiratory infection, unspecified"), Sct("54150009", "Upper respiratory infection"),
            new(0.35, 0.12, 0.08, 0.07, 0.06, 0.05, 0.05, 0.05, 0.05, 0.05),
            [], [], [], null, null, false, 7),
        Acute("otitis-media", Icd("H66.9", "Otitis media, unspecified"), Sct("65363002", "Otitis media"),
            new(0.25, 0.03, 0.005, 0.004, 0.003, 0.003, 0.002, 0.002, 0.002, 0.002),
            ["phenoxymethylpenicillin", "amoxicillin"], [], [], null, null, false, 7),
        Acute("tonsillitis", Icd("J03.9", "Acute tonsillitis, unspecified"), Sct("17741008", "Acute tonsillitis"),
            new(0.04, 0.05, 0.03, 0.015, 0.008, 0.005, 0.003, 0.002, 0.002, 0.002),
            ["phenoxymethylpenicillin"], [], [], null, null, false, 7),
        Acute("pneumonia", Icd("J18.9", "Pneumonia, unspecified"), Sct("233604007", "Pneumonia"),
            new(0.02, 0.005, 0.005, 0.005, 0.006, 0.008, 0.012, 0.02, 0.03, 0.04),
            ["phenoxymethylpenicillin", "doxycycline"], ["crp", "wbc"], ["crp", "wbc"], "xr-chest", null, false, 10),
        Acute("pneumonia-admission", Icd("J18.9", "Pneumonia, unspecified"), Sct("233604007", "Pneumonia"),
            new(0.002, 0, 0, 0.001, 0.001, 0.002, 0.005, 0.012, 0.03, 0.05),
            ["benzylpenicillin", "phenoxymethylpenicillin"], ["crp", "wbc", "sodium", "creatinine"], ["crp", "wbc"], "xr-chest", null, true, 5),
        Acute("cystitis", Icd("N30.0", "Acute cystitis"), Sct("38822007", "Cystitis"),
            new(0.005, 0.02, 0.05, 0.04, 0.035, 0.035, 0.035, 0.04, 0.045, 0.05),
            ["pivmecillinam", "nitrofurantoin"], [], [], null, null, false, 5),
        Acute("urinary-tract-infection", Icd("N39.0", "Urinary tract infection, site not specified"), Sct("68566005", "Urinary tract infectious disease"),
            new(0.005, 0.003, 0.005, 0.005, 0.006, 0.008, 0.015, 0.03, 0.05, 0.07),
            ["pivmecillinam", "ciprofloxacin"], ["crp", "creatinine"], ["crp"], null, null, false, 7),
        Acute("gastroenteritis", Icd("A09.9", "Gastroenteritis and colitis of unspecified origin"), Sct("25374005", "Gastroenteritis"),
            new(0.10, 0.03, 0.02, 0.02, 0.01, 0.01, 0.01, 0.015, 0.02, 0.03),
            [], [], [], null, null, false, 4),
        Acute("wrist-fracture", Icd("S52.5", "Fracture of lower end of radius"), Sct("263199001", "Fracture of distal end of radius"),
            new(0.005, 0.012, 0.004, 0.003, 0.004, 0.006, 0.008, 0.01, 0.012, 0.012),
            ["paracetamol"], [], [], "xr-wrist", null, false, 42),
        Acute("hip-fracture", Icd("S72.0", "Fracture of neck of femur"), Sct("5913000", "Fracture of neck of femur"),
            new(0, 0, 0, 0, 0.0002, 0.0008, 0.002, 0.006, 0.02, 0.04),
            ["oxycodone", "enoxaparin"], ["haemoglobin", "creatinine", "sodium"], ["haemoglobin"], "xr-hip", "hip-hemiarthroplasty", true, 7),
        Acute("ankle-sprain", Icd("S93.4", "Sprain and strain of ankle"), Sct("44465007", "Sprain of ankle"),
            new(0.002, 0.02, 0.012, 0.008, 0.006, 0.004, 0.003, 0.002, 0.002, 0.001),
            ["ibuprofen"], [], [], null, null, false, 21),
        Acute("concussion", Icd("S06.0", "Concussion"), Sct("110030002", "Concussion injury of brain"),
            new(0.005, 0.01, 0.004, 0.002, 0.002, 0.002, 0.002, 0.003, 0.006, 0.01),
            [], [], [], "ct-head", null, false, 14),
        Acute("laceration", Icd("T14.1", "Open wound of unspecified body region"), Sct("312608009", "Laceration - injury"),
            new(0.01, 0.01, 0.008, 0.006, 0.005, 0.004, 0.004, 0.004, 0.005, 0.006),
            [], [], [], null, "wound-suture", false, 10),
        Acute("appendicitis", Icd("K35.8", "Acute appendicitis, other and unspecified"), Sct("85189001", "Acute appendicitis"),
            new(0.001, 0.0025, 0.0015, 0.001, 0.0008, 0.0006, 0.0005, 0.0004, 0.0003, 0.0002),
            ["paracetamol"], ["crp", "wbc"], ["crp", "wbc"], "ct-abdomen", "appendectomy", true, 2),
        Acute("acute-cholecystitis", Icd("K80.0", "Calculus of gallbladder with acute cholecystitis"), Sct("65275009", "Acute cholecystitis"),
            new(0, 0.0001, 0.0006, 0.0008, 0.001, 0.0012, 0.0015, 0.0018, 0.0018, 0.0015),
            ["paracetamol"], ["crp", "wbc", "alt"], ["crp", "wbc", "alt"], "us-abdomen", "cholecystectomy", true, 3),
        Acute("stroke", Icd("I63.9", "Cerebral infarction, unspecified"), Sct("432504007", "Cerebral infarction"),
            new(0, 0, 0.00005, 0.0002, 0.0006, 0.0015, 0.003, 0.006, 0.012, 0.018),
            ["acetylsalicylic-acid", "atorvastatin"], ["glucose", "ldl", "haemoglobin", "creatinine"], ["ldl"], "ct-head", null, true, 10),
        Acute("myocardial-infarction", Icd("I21.9", "Acute myocardial infarction, unspecified"), Sct("22298006", "Myocardial infarction"),
            new(0, 0, 0.00005, 0.0003, 0.001, 0.002, 0.004, 0.006, 0.01, 0.014),
            ["ticagrelor", "acetylsalicylic-acid", "atorvastatin"], ["troponin-t", "creatinine", "ldl", "haemoglobin"], ["troponin-t"], null, "pci", true, 4),
        Acute("covid-19", Icd("U07.1", "COVID-19, virus identified"), Sct("840539006", "COVID-19"),
            new(0.01, 0.015, 0.02, 0.02, 0.02, 0.02, 0.02, 0.025, 0.03, 0.04),
            [], ["crp"], ["crp"], null, null, false, 10),
        Acute("influenza", Icd("J11.1", "Influenza with other respiratory manifestations, virus not identified"), Sct("6142004", "Influenza"),
            new(0.02, 0.015, 0.01, 0.01, 0.01, 0.01, 0.012, 0.015, 0.02, 0.025),
            ["oseltamivir"], [], [], null, null, false, 7),
        Acute("cellulitis", Icd("L03.1", "Cellulitis of other parts of limb"), Sct("128045006", "Cellulitis"),
            new(0.001, 0.002, 0.002, 0.003, 0.004, 0.005, 0.007, 0.009, 0.012, 0.014),
            ["flucloxacillin", "phenoxymethylpenicillin"], ["crp"], ["crp"], null, null, false, 10),
        Acute("low-back-pain", Icd("M54.5", "Low back pain"), Sct("279039007", "Low back pain"),
            new(0.001, 0.01, 0.03, 0.04, 0.045, 0.045, 0.04, 0.035, 0.03, 0.025),
            ["ibuprofen", "paracetamol"], [], [], null, null, false, 21),
        Acute("migraine", Icd("G43.9", "Migraine, unspecified"), Sct("37796009", "Migraine"),
            new(0.001, 0.01, 0.015, 0.015, 0.012, 0.008, 0.004, 0.002, 0.001, 0.001),
            ["sumatriptan"], [], [], null, null, false, 2),
        Acute("allergic-rhinitis", Icd("J30.1", "Allergic rhinitis due to pollen"), Sct("367498001", "Seasonal allergic rhinitis"),
            new(0.01, 0.03, 0.02, 0.015, 0.012, 0.01, 0.008, 0.005, 0.003, 0.002),
            ["desloratadine", "mometasone"], [], [], null, null, false, 30),
        // Keys starting with "delivery" apply to women only; rates are per woman-year (about 100 000 births a year, 17 % by caesarean).
        Acute("delivery-normal", Icd("O80.0", "Spontaneous vertex delivery"), Sct("48782003", "Delivery normal"),
            new(0, 0.001, 0.05, 0.066, 0.007, 0, 0, 0, 0, 0),
            [], ["haemoglobin"], [], null, null, true, 2),
        Acute("delivery-caesarean", Icd("O82.9", "Delivery by caesarean section, unspecified"), Sct("200144004", "Deliveries by cesarean"),
            new(0, 0.0002, 0.01, 0.014, 0.002, 0, 0, 0, 0, 0),
            ["paracetamol"], ["haemoglobin"], ["haemoglobin"], null, "caesarean", true, 3),
    ];

    public static IReadOnlyDictionary<string, MedicationDefinition> Medications { get; } = ToMap<MedicationDefinition>(
    [
        // Cardiovascular
        Med("amlodipine", "C08CA01", "amlodipine", "Amlodipine", "5 mg", "Tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("enalapril", "C09AA02", "enalapril", "Enalapril", "10 mg", "Tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("losartan", "C09CA01", "losartan", "Losartan", "50 mg", "Film-coated tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("hydrochlorothiazide", "C03AA03", "hydrochlorothiazide", "Hydrochlorothiazide", "25 mg", "Tablet", "1 tablett på morgonen", true, 90),
        Med("metoprolol", "C07AB02", "metoprolol", "Metoprolol", "50 mg", "Prolonged-release tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("bisoprolol", "C07AB07", "bisoprolol", "Bisoprolol", "5 mg", "Film-coated tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("furosemide", "C03CA01", "furosemide", "Furosemide", "40 mg", "Tablet", "1 tablett på morgonen", true, 90),
        Med("spironolactone", "C03DA01", "spironolactone", "Spironolactone", "25 mg", "Film-coated tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("simvastatin", "C10AA01", "simvastatin", "Simvastatin", "20 mg", "Film-coated tablet", "1 tablett till kvällen", true, 90),
        Med("atorvastatin", "C10AA05", "atorvastatin", "Atorvastatin", "40 mg", "Film-coated tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("acetylsalicylic-acid", "B01AC06", "acetylsalicylic acid", "Acetylsalicylic acid", "75 mg", "Tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("ticagrelor", "B01AC24", "ticagrelor", "Ticagrelor", "90 mg", "Film-coated tablet", "1 tablett 2 gånger dagligen i 12 månader", false, 365),
        Med("apixaban", "B01AF02", "apixaban", "Apixaban", "5 mg", "Film-coated tablet", "1 tablett 2 gånger dagligen", true, 90),
        Med("warfarin", "B01AA03", "warfarin", "Warfarin", "2.5 mg", "Tablet", "Enligt doseringsschema från AK-mottagningen", true, 90),
        Med("enoxaparin", "B01AB05", "enoxaparin", "Enoxaparin", "40 mg/0.4 ml", "Solution for injection in pre-filled syringe", "40 mg subkutant 1 gång dagligen i 4 veckor", false, 28),
        // Diabetes and endocrine
        Med("metformin", "A10BA02", "metformin", "Metformin", "500 mg", "Film-coated tablet", "1 tablett 2 gånger dagligen i samband med måltid", true, 90),
        Med("empagliflozin", "A10BK03", "empagliflozin", "Empagliflozin", "10 mg", "Film-coated tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("insulin-glargine", "A10AE04", "insulin glargine", "Insulin glargine", "100 units/ml", "Solution for injection in pre-filled pen", "Enligt ordination, subkutant 1 gång dagligen till kvällen", true, 90),
        Med("insulin-aspart", "A10AB05", "insulin aspart", "Insulin aspart", "100 units/ml", "Solution for injection in pre-filled pen", "Enligt ordination, subkutant i samband med måltid", true, 90),
        Med("levothyroxine", "H03AA01", "levothyroxine sodium", "Levothyroxine sodium", "50 micrograms", "Tablet", "1 tablett på fastande mage på morgonen", true, 90),
        Med("prednisolone", "H02AB06", "prednisolone", "Prednisolone", "5 mg", "Tablet", "8 tabletter på morgonen i 5 dagar", false, 5),
        Med("levonorgestrel-ethinylestradiol", "G03AA07", "levonorgestrel and ethinylestradiol", "Levonorgestrel and ethinylestradiol", "150 micrograms/30 micrograms", "Coated tablet", "1 tablett dagligen i 21 dagar, därefter 7 dagars uppehåll", true, 84),
        // Respiratory and allergy
        Med("salbutamol", "R03AC02", "salbutamol", "Salbutamol", "0.1 mg/dose", "Pressurised inhalation, suspension", "1–2 inhalationer vid behov", true, 90),
        Med("budesonide", "R03BA02", "budesonide", "Budesonide", "200 micrograms/dose", "Inhalation powder", "1 inhalation 2 gånger dagligen", true, 90),
        Med("budesonide-formoterol", "R03AK07", "formoterol and budesonide", "Budesonide and formoterol", "160 micrograms/4.5 micrograms/dose", "Inhalation powder", "2 inhalationer 2 gånger dagligen", true, 90),
        Med("tiotropium", "R03BB04", "tiotropium bromide", "Tiotropium", "2.5 micrograms/dose", "Inhalation solution", "2 inhalationer 1 gång dagligen", true, 90),
        Med("desloratadine", "R06AX27", "desloratadine", "Desloratadine", "5 mg", "Film-coated tablet", "1 tablett 1 gång dagligen under pollensäsongen", false, 60),
        Med("mometasone", "R01AD09", "mometasone", "Mometasone", "50 micrograms/dose", "Nasal spray, suspension", "2 sprayningar i varje näsborre 1 gång dagligen", false, 60),
        // Nervous system and pain
        Med("sertraline", "N06AB06", "sertraline", "Sertraline", "50 mg", "Film-coated tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("escitalopram", "N06AB10", "escitalopram", "Escitalopram", "10 mg", "Film-coated tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("mirtazapine", "N06AX11", "mirtazapine", "Mirtazapine", "15 mg", "Film-coated tablet", "1 tablett till natten", true, 90),
        Med("zopiclone", "N05CF01", "zopiclone", "Zopiclone", "5 mg", "Film-coated tablet", "1 tablett till natten vid behov", true, 30),
        Med("methylphenidate", "N06BA04", "methylphenidate", "Methylphenidate", "18 mg", "Prolonged-release tablet", "1 tablett på morgonen", true, 30),
        Med("lamotrigine", "N03AX09", "lamotrigine", "Lamotrigine", "100 mg", "Tablet", "1 tablett 2 gånger dagligen", true, 90),
        Med("levetiracetam", "N03AX14", "levetiracetam", "Levetiracetam", "500 mg", "Film-coated tablet", "1 tablett 2 gånger dagligen", true, 90),
        Med("levodopa-carbidopa", "N04BA02", "levodopa and decarboxylase inhibitor", "Levodopa and carbidopa", "100 mg/25 mg", "Tablet", "1 tablett 3 gånger dagligen", true, 90),
        Med("donepezil", "N06DA02", "donepezil", "Donepezil", "5 mg", "Film-coated tablet", "1 tablett till kvällen", true, 90),
        Med("sumatriptan", "N02CC01", "sumatriptan", "Sumatriptan", "50 mg", "Film-coated tablet", "1 tablett vid migränanfall, kan upprepas efter 2 timmar, högst 6 tabletter per dygn", false, 30),
        Med("paracetamol", "N02BE01", "paracetamol", "Paracetamol", "500 mg", "Tablet", "2 tabletter vid behov, högst 4 gånger per dygn", false, 10),
        Med("ibuprofen", "M01AE01", "ibuprofen", "Ibuprofen", "400 mg", "Film-coated tablet", "1 tablett vid behov, högst 3 gånger per dygn", false, 10),
        Med("oxycodone", "N02AA05", "oxycodone", "Oxycodone", "5 mg", "Capsule, hard", "1 kapsel vid behov, högst 4 gånger per dygn", false, 7),
        // Alimentary, musculoskeletal, skin
        Med("omeprazole", "A02BC01", "omeprazole", "Omeprazole", "20 mg", "Gastro-resistant capsule, hard", "1 kapsel 1 gång dagligen före frukost", true, 90),
        Med("alendronic-acid", "M05BA04", "alendronic acid", "Alendronic acid", "70 mg", "Tablet", "1 tablett 1 gång per vecka på fastande mage", true, 84),
        Med("cholecalciferol", "A11CC05", "colecalciferol", "Colecalciferol", "800 IU", "Tablet", "1 tablett 1 gång dagligen", true, 90),
        Med("methotrexate", "L04AX03", "methotrexate", "Methotrexate", "10 mg", "Tablet", "1 tablett 1 gång per vecka, samma veckodag", true, 84),
        Med("folic-acid", "B03BB01", "folic acid", "Folic acid", "5 mg", "Tablet", "1 tablett 1 gång per vecka, dagen efter metotrexat", true, 84),
        Med("betamethasone", "D07AC01", "betamethasone", "Betamethasone", "0.1 %", "Cream", "Smörjes tunt 1 gång dagligen på utslagen", true, 90),
        // Anti-infectives (Strama first-line choices where there is one)
        Med("phenoxymethylpenicillin", "J01CE02", "phenoxymethylpenicillin", "Phenoxymethylpenicillin", "1 g", "Film-coated tablet", "1 tablett 3 gånger dagligen i 10 dagar", false, 10),
        Med("benzylpenicillin", "J01CE01", "benzylpenicillin", "Benzylpenicillin", "1 g", "Powder for solution for injection", "1 g intravenöst 3 gånger dagligen", false, 5),
        Med("amoxicillin", "J01CA04", "amoxicillin", "Amoxicillin", "500 mg", "Tablet", "1 tablett 3 gånger dagligen i 7 dagar", false, 7),
        Med("pivmecillinam", "J01CA08", "pivmecillinam", "Pivmecillinam", "200 mg", "Film-coated tablet", "1 tablett 3 gånger dagligen i 5 dagar", false, 5),
        Med("flucloxacillin", "J01CF05", "flucloxacillin", "Flucloxacillin", "1 g", "Tablet", "1 tablett 3 gånger dagligen i 10 dagar", false, 10),
        Med("cefalexin", "J01DB01", "cefalexin", "Cefalexin", "500 mg", "Capsule, hard", "1 kapsel 3 gånger dagligen i 10 dagar", false, 10),
        Med("nitrofurantoin", "J01XE01", "nitrofurantoin", "Nitrofurantoin", "50 mg", "Tablet", "1 tablett 3 gånger dagligen i 5 dagar", false, 5),
        Med("ciprofloxacin", "J01MA02", "ciprofloxacin", "Ciprofloxacin", "500 mg", "Film-coated tablet", "1 tablett 2 gånger dagligen i 7 dagar", false, 7),
        Med("clindamycin", "J01FF01", "clindamycin", "Clindamycin", "300 mg", "Capsule, hard", "1 kapsel 3 gånger dagligen i 10 dagar", false, 10),
        Med("doxycycline", "J01AA02", "doxycycline", "Doxycycline", "100 mg", "Tablet", "2 tabletter första dagen, därefter 1 tablett dagligen i totalt 7 dagar", false, 7),
        Med("oseltamivir", "J05AH02", "oseltamivir", "Oseltamivir", "75 mg", "Capsule, hard", "1 kapsel 2 gånger dagligen i 5 dagar", false, 5),
    ], m => m.Key);

    // Reference intervals are typical Swedish adult intervals (sex-pooled); abnormal ranges are what the condition produces.
    public static IReadOnlyDictionary<string, LabTest> LabTests { get; } = ToMap<LabTest>(
    [
        new("hba1c", Loinc("59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol"), Npu("NPU27300", "B—Haemoglobin A1c(IFCC); subst.fr."), "mmol/mol", 27, 42, 48, 90, 0),
        new("glucose", Loinc("15074-8", "Glucose [Moles/volume] in Blood"), Npu("NPU02187", "B—Glucose; subst.c."), "mmol/L", 4.0, 6.0, 7.5, 15, 1),
        new("creatinine", Loinc("14682-9", "Creatinine [Moles/volume] in Serum or Plasma"), Npu("NPU18016", "P—Creatininium; subst.c."), "umol/L", 45, 105, 120, 350, 0),
        new("egfr", Loinc("62238-1", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI)"), null, "mL/min/{1.73_m2}", 60, 120, 15, 59, 0),
        new("sodium", Loinc("2951-2", "Sodium [Moles/volume] in Serum or Plasma"), Npu("NPU03429", "P—Sodium ion; subst.c."), "mmol/L", 137, 145, 125, 134, 0),
        new("potassium", Loinc("2823-3", "Potassium [Moles/volume] in Serum or Plasma"), Npu("NPU03230", "P—Potassium ion; subst.c."), "mmol/L", 3.5, 4.4, 4.8, 6.0, 1),
        new("haemoglobin", Loinc("718-7", "Hemoglobin [Mass/volume] in Blood"), Npu("NPU28309", "B—Haemoglobin; mass c."), "g/L", 117, 170, 80, 110, 0),
        new("wbc", Loinc("6690-2", "Leukocytes [#/volume] in Blood by Automated count"), Npu("NPU02593", "B—Leukocytes; num.c."), "10*9/L", 3.5, 8.8, 11, 20, 1),
        new("platelets", Loinc("777-3", "Platelets [#/volume] in Blood by Automated count"), Npu("NPU03568", "B—Thrombocytes; num.c."), "10*9/L", 145, 387, 30, 120, 0),
        new("crp", Loinc("1988-5", "C reactive protein [Mass/volume] in Serum or Plasma"), Npu("NPU19748", "P—C-reactive protein; mass c."), "mg/L", 0, 5, 20, 250, 0),
        new("cholesterol", Loinc("14647-2", "Cholesterol [Moles/volume] in Serum or Plasma"), Npu("NPU01566", "P—Cholesterol; subst.c."), "mmol/L", 3.0, 5.0, 5.5, 8.5, 1),
        new("ldl", Loinc("22748-8", "Cholesterol in LDL [Moles/volume] in Serum or Plasma"), Npu("NPU01568", "P—Cholesterol+ester, in LDL; subst.c."), "mmol/L", 1.0, 3.0, 3.5, 5.5, 1),
        new("hdl", Loinc("14646-4", "Cholesterol in HDL [Moles/volume] in Serum or Plasma"), Npu("NPU01567", "P—Cholesterol+ester, in HDL; subst.c."), "mmol/L", 1.0, 2.5, 0.5, 0.9, 1),
        new("triglycerides", Loinc("14927-8", "Triglyceride [Moles/volume] in Serum or Plasma"), Npu("NPU04094", "P—Triglyceride; subst.c."), "mmol/L", 0.45, 1.7, 2.0, 6.0, 1),
        new("tsh", Loinc("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma"), Npu("NPU03577", "P—Thyrotropin; arb.subst.c."), "m[IU]/L", 0.4, 4.0, 5, 20, 1),
        new("ft4", Loinc("14920-3", "Thyroxine (T4) free [Moles/volume] in Serum or Plasma"), Npu("NPU03579", "P—Thyroxine(free); subst.c."), "pmol/L", 12, 22, 6, 11, 0),
        new("alt", Loinc("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"), Npu("NPU19981", "P—Alanine transaminase; cat.c."), "ukat/L", 0.15, 1.1, 1.5, 4.0, 2),
        new("inr", Loinc("6301-6", "INR in Platelet poor plasma by Coagulation assay"), Npu("NPU01685", "P—Coagulation, tissue factor-induced; rel.time(actual/norm; INR)"), "{INR}", 0.9, 1.2, 2.0, 3.5, 1),
        new("troponin-t", Loinc("67151-1", "Troponin T.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method"), null, "ng/L", 1, 14, 50, 2000, 0),
        new("nt-probnp", Loinc("33762-6", "Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma"), null, "ng/L", 5, 125, 400, 5000, 0),
        new("uacr", Loinc("14958-3", "Microalbumin/Creatinine [Mass/Moles] in Urine"), null, "mg/mmol", 0.1, 3.0, 3.5, 30, 1),
        new("vitamin-d", Loinc("14635-7", "25-hydroxyvitamin D3 [Moles/volume] in Serum or Plasma"), null, "nmol/L", 50, 150, 15, 45, 0),
    ], t => t.Key);

    public static IReadOnlyDictionary<string, ImagingProcedure> Imaging { get; } = ToMap<ImagingProcedure>(
    [
        new("xr-chest", Loinc("36643-5", "XR Chest 2 Views"), "DX", Sct("51185008", "Thoracic structure"),
            ["Normal hjärtstorlek. Inga infiltrat eller pleuravätska.", "Inga hållpunkter för pneumoni."],
            ["Infiltrat i höger underlob förenligt med pneumoni.",
             "Hyperexpanderade lungor med avplanade diafragmakupoler, förenligt med KOL. Ingen akut patologi.",
             "Förstorad hjärtskugga och små pleuravätskor bilateralt, förenligt med hjärtsvikt."]),
        new("ct-head", Loinc("30799-1", "CT Head WO contrast"), "CT", Sct("69536005", "Head structure"),
            ["Ingen intrakraniell blödning. Inga tecken på färsk ischemi.", "Normalt fynd för åldern."],
            ["Hypodensitet i vänster a. cerebri media-territorium förenligt med färsk infarkt. Ingen blödning.",
             "Central och kortikal atrofi samt småkärlsförändringar. Ingen akut patologi."]),
        new("mr-brain", Loinc("24590-2", "MR Brain"), "MR", Sct("12738006", "Brain structure"),
            ["Normal MR hjärna."],
            ["Enstaka ospecifika punktformiga vitsubstansförändringar.", "Medial temporallobsatrofi, mest uttalad i hippocampus bilateralt."]),
        new("xr-wrist", Loinc("18748-4", "Diagnostic imaging study"), "DX", Sct("8205005", "Wrist region structure"),
            ["Ingen fraktur eller luxation."],
            ["Distal radiusfraktur med lätt dorsal vinkling.", "Odislocerad fraktur i distala radius."]),
        new("xr-hip", Loinc("18748-4", "Diagnostic imaging study"), "DX", Sct("29836001", "Hip region structure"),
            ["Ingen fraktur. Lätt artros i höftleden."],
            ["Dislocerad cervikal femurfraktur.", "Uttalad artros i höftleden med ledspaltsförsnävning och subkondral skleros."]),
        new("xr-knee", Loinc("18748-4", "Diagnostic imaging study"), "DX", Sct("72696002", "Knee region structure"),
            ["Normala förhållanden i knäleden."],
            ["Uttalad artros i mediala kompartmentet med ledspaltsförsnävning och osteofyter."]),
        new("ct-abdomen", Loinc("18748-4", "Diagnostic imaging study"), "CT", Sct("818983003", "Abdomen"),
            ["Normal appendix. Ingen fri vätska eller fri gas."],
            ["Förtjockad appendix med omgivande fettvävsreaktion, förenligt med akut appendicit."]),
        new("us-abdomen", Loinc("24558-9", "US Abdomen"), "US", Sct("28231008", "Gallbladder structure"),
            ["Normal gallblåsa utan konkrement. Ej vidgade gallvägar."],
            ["Multipla gallstenar och förtjockad gallblåsevägg med perivesikal vätska, förenligt med akut kolecystit."]),
        new("echo-heart", Loinc("42148-7", "US Heart"), "US", Sct("80891009", "Heart structure"),
            ["Normal storlek och funktion av vänster kammare, EF cirka 60 %. Inga signifikanta klaffel."],
            ["Dilaterad vänster kammare med nedsatt systolisk funktion, EF cirka 35 %.",
             "Vänsterkammarhypertrofi med bevarad ejektionsfraktion. Förstorat vänster förmak."]),
        new("mammography", Loinc("24606-6", "MG Breast Screening"), "MG", Sct("76752008", "Breast structure"),
            ["Inga tecken på malignitet. BI-RADS 1."],
            ["Oregelbunden förtätning i höger bröst, övre yttre kvadranten. Kompletterande utredning rekommenderas. BI-RADS 4."]),
    ], i => i.Key);

    // KVÅ codes are left null: none could be confirmed against Socialstyrelsen's classification here.
    public static IReadOnlyDictionary<string, ProcedureDefinition> Procedures { get; } = ToMap<ProcedureDefinition>(
    [
        new("hip-replacement", Sct("52734007", "Total replacement of hip"), null, "hip-prosthesis"),
        new("hip-hemiarthroplasty", Sct("386649003", "Partial hip replacement by prosthesis"), null, "femoral-head-prosthesis"),
        new("knee-replacement", Sct("609588000", "Total knee replacement"), null, "knee-prosthesis"),
        new("pci", Sct("36969009", "Placement of stent in coronary artery"), null, "coronary-stent"),
        new("pacemaker", Sct("307280005", "Implantation of cardiac pacemaker"), null, "cardiac-pacemaker"),
        new("appendectomy", Sct("6025007", "Laparoscopic appendectomy"), null, null),
        new("cholecystectomy", Sct("45595009", "Laparoscopic cholecystectomy"), null, null),
        new("caesarean", Sct("11466000", "Cesarean section"), null, null),
        new("wound-suture", Sct("288086009", "Suture open wound"), null, null),
        new("cataract-surgery", Sct("385468004", "Cataract extraction and insertion of intraocular lens"), null, "intraocular-lens"),
        new("cochlear-implant", Sct("359612003", "Implantation of cochlear prosthetic device"), null, "cochlear-implant"),
        new("colonoscopy", Sct("73761001", "Colonoscopy"), null, null),
    ], p => p.Key);

    public static IReadOnlyDictionary<string, DeviceDefinition> Devices { get; } = ToMap<DeviceDefinition>(
    [
        new("hip-prosthesis", Sct("304120007", "Total hip replacement prosthesis"), "Höftledsprotes"),
        new("femoral-head-prosthesis", Sct("304121006", "Femoral head prosthesis"), "Halvprotes i höftled"),
        new("knee-prosthesis", Sct("109228008", "Knee joint prosthesis"), "Knäledsprotes"),
        new("coronary-stent", Sct("705643001", "Coronary artery stent"), "Koronarstent"),
        new("cardiac-pacemaker", Sct("14106009", "Cardiac pacemaker"), "Pacemaker"),
        // No SNOMED CT concept for the intraocular lens itself could be confirmed; the general ophthalmological implant is used.
        new("intraocular-lens", Sct("303608005", "Ophthalmological implant"), "Intraokulär lins"),
        new("cochlear-implant", Sct("43252007", "Cochlear prosthesis"), "Kokleaimplantat"),
    ], d => d.Key);

    public static IReadOnlyList<AllergyDefinition> Allergies { get; } =
    [
        new("penicillin", Sct("764146007", "Penicillin"), "medication", "allergy", "low", Sct("271807003", "Eruption of skin"),
            new(0.01, 0.02, 0.03, 0.04, 0.05, 0.05, 0.06, 0.06, 0.06, 0.06)),
        new("sulfonamide", Sct("387406002", "Sulfonamide"), "medication", "allergy", "low", Sct("271807003", "Eruption of skin"),
            new(0.001, 0.002, 0.004, 0.005, 0.006, 0.007, 0.008, 0.008, 0.008, 0.008)),
        new("peanut", Sct("762952008", "Peanut"), "food", "allergy", "high", Sct("39579001", "Anaphylaxis"),
            new(0.02, 0.015, 0.01, 0.008, 0.005, 0.004, 0.003, 0.002, 0.002, 0.002)),
        new("hazelnut", Sct("256353000", "Hazelnut"), "food", "allergy", "low", Sct("418290006", "Itching"),
            new(0.01, 0.03, 0.04, 0.03, 0.02, 0.015, 0.01, 0.005, 0.003, 0.002)),
        new("egg", Sct("102263004", "Eggs (edible)"), "food", "allergy", "low", Sct("126485001", "Urticaria"),
            new(0.02, 0.003, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001)),
        new("cows-milk", Sct("264295007", "Cow's milk protein"), "food", "allergy", "low", Sct("422400008", "Vomiting"),
            new(0.02, 0.004, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002)),
        new("shellfish", Sct("735029006", "Shellfish"), "food", "allergy", "high", Sct("126485001", "Urticaria"),
            new(0.001, 0.003, 0.004, 0.004, 0.004, 0.004, 0.003, 0.003, 0.002, 0.002)),
        new("birch-pollen", Sct("256262001", "European white birch pollen"), "environment", "allergy", "low", Sct("70076002", "Rhinitis"),
            new(0.03, 0.12, 0.15, 0.13, 0.11, 0.09, 0.07, 0.05, 0.03, 0.02)),
        new("grass-pollen", Sct("256277009", "Grass pollen"), "environment", "allergy", "low", Sct("70076002", "Rhinitis"),
            new(0.02, 0.08, 0.10, 0.08, 0.07, 0.05, 0.04, 0.03, 0.02, 0.02)),
        new("cat-dander", Sct("260152009", "Cat dander"), "environment", "allergy", "low", Sct("9826008", "Conjunctivitis"),
            new(0.03, 0.08, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01, 0.01)),
        new("house-dust-mite", Sct("720687003", "Dust mite protein"), "environment", "allergy", "low", Sct("70076002", "Rhinitis"),
            Flat(0.02)),
        new("latex", Sct("111088007", "Latex"), "environment", "allergy", "high", Sct("126485001", "Urticaria"),
            new(0.001, 0.002, 0.003, 0.004, 0.004, 0.004, 0.003, 0.003, 0.002, 0.002)),
        new("wasp-venom", Sct("256440004", "Wasp venom"), "environment", "allergy", "high", Sct("39579001", "Anaphylaxis"),
            new(0.001, 0.002, 0.003, 0.003, 0.004, 0.004, 0.004, 0.004, 0.003, 0.003)),
    ];

    public static IReadOnlyList<MedicalAlertDefinition> MedicalAlerts { get; } =
    [
        // Derived: given to everyone on an oral anticoagulant (see HistoryGenerator), never at random.
        new("anticoagulant-therapy", Sct("182764009", "Anticoagulant therapy"), "Behandlas med antikoagulantia – ökad blödningsrisk.", Flat(0)),
        // Derived: given to everyone who gets a pacemaker.
        new("pacemaker-in-situ", Sct("441509002", "Cardiac pacemaker in situ"), "Pacemaker – kontrollera kompatibilitet före MR-undersökning och diatermi.", Flat(0)),
        new("difficult-intubation", Sct("718447001", "Difficult tracheal intubation"), "Svår intubation vid tidigare anestesi.",
            new(0, 0, 0.001, 0.001, 0.002, 0.002, 0.003, 0.003, 0.003, 0.003)),
        new("malignant-hyperthermia", Sct("405501007", "Malignant hyperthermia"), "Risk för malign hypertermi – undvik triggande anestesimedel (inhalationsanestetika, suxameton).",
            Flat(0.0002)),
        new("long-qt-syndrome", Sct("9651007", "Long QT syndrome"), "Långt QT-syndrom – undvik QT-förlängande läkemedel.",
            Flat(0.0005)),
        new("blood-transfusion-declined", Sct("699128009", "Blood transfusion declined"), "Avböjer blodtransfusion av religiösa skäl.",
            Flat(0.002)),
    ];

    public static IReadOnlyList<VaccineDefinition> Vaccines { get; } =
    [
        new("hexavalent", Atc("J07CA09", "diphtheria-haemophilus influenzae B-pertussis-poliomyelitis-tetanus-hepatitis B"), "Hexyon",
            [3, 5, 12], null, 0.97, Sct("76902006", "Tetanus")),
        new("pneumococcal-conjugate", Atc("J07AL02", "pneumococcus, purified polysaccharides antigen conjugated"), "Vaxneuvance",
            [3, 5, 12], null, 0.97, Sct("16814004", "Pneumococcal infectious disease")),
        // Rotarix: first dose from six weeks, second by three months.
        new("rotavirus", Atc("J07BH01", "rota virus, live attenuated"), "Rotarix",
            [1, 3], null, 0.90, Sct("186150001", "Enteritis due to rotavirus")),
        new("mmr", Atc("J07BD52", "measles, combinations with mumps and rubella, live attenuated"), "M-M-RvaxPro",
            [18, 72], null, 0.97, Sct("14189004", "Measles")),
        new("dtap-ipv-booster", Atc("J07CA02", "diphtheria-pertussis-poliomyelitis-tetanus"), "Tetravac",
            [60], null, 0.95, Sct("27836007", "Pertussis")),
        new("dtap-booster", Atc("J07AJ52", "pertussis, purified antigen, combinations with toxoids"), "Boostrix",
            [174], null, 0.90, Sct("27836007", "Pertussis")),
        new("hpv", Atc("J07BM03", "papillomavirus (human types 6, 11, 16, 18, 31, 33, 45, 52, 58)"), "Gardasil 9",
            [132], null, 0.85, Sct("240532009", "Human papilloma virus infection")),
        new("influenza", Atc("J07BB02", "influenza, inactivated, split virus or surface antigen"), "Vaxigrip Tetra",
            [], 65, 0.60, Sct("6142004", "Influenza")),
        new("covid-19", Atc("J07BN01", "covid-19, RNA-based vaccine"), "Comirnaty",
            [], 65, 0.55, Sct("840539006", "COVID-19")),
        // Voluntary and self-paid outside the child programme; modelled as a primary series (0, 1 and 12 months) at age 30,
        // with the share of adults vaccinated in the high-incidence regions around Stockholm and Mälardalen pooled nationally.
        new("tick-borne-encephalitis", Atc("J07BA01", "encephalitis, tick borne, inactivated, whole virus"), "FSME-Immun Vuxen",
            [360, 361, 372], null, 0.25, Sct("712986001", "Tickborne encephalitis")),
    ];

    private static ChronicCondition Chronic(string key, Code icd10, Code? snomed, AgeBands prevalence, double femaleFactor, double contactsPerYear,
        string[] medications, string[] labs, string[] abnormalLabs, string? imaging, string? procedure, double procedureShare, string setting) =>
        new(key, icd10, snomed, prevalence, femaleFactor, contactsPerYear, medications, labs, abnormalLabs, imaging, procedure, procedureShare, setting);

    private static AcuteCondition Acute(string key, Code icd10, Code? snomed, AgeBands incidence, string[] medications, string[] labs, string[] abnormalLabs,
        string? imaging, string? procedure, bool inpatient, int durationDays) =>
        new(key, icd10, snomed, incidence, medications, labs, abnormalLabs, imaging, procedure, inpatient, durationDays);

    /// <summary>A medicine: <paramref name="atcName"/> is the WHO ATC name, <paramref name="name"/> the English INN shown to users.</summary>
    private static MedicationDefinition Med(string key, string atc, string atcName, string name, string strength, string form, string dosage, bool chronic, int courseDays) =>
        new(key, Atc(atc, atcName), name, strength, form, dosage, chronic, courseDays);

    private static AgeBands Flat(double value) => new(value, value, value, value, value, value, value, value, value, value);

    private static Code Icd(string code, string display) => new(CodeSystems.Icd10, code, display);

    private static Code Sct(string code, string display) => new(CodeSystems.SnomedCt, code, display);

    private static Code Atc(string code, string display) => new(CodeSystems.Atc, code, display);

    private static Code Loinc(string code, string display) => new(CodeSystems.Loinc, code, display);

    private static Code Npu(string code, string display) => new(CodeSystems.Npu, code, display);

    /// <summary>Keys are unique: a duplicate throws when the catalog is first touched.</summary>
    private static FrozenDictionary<string, T> ToMap<T>(IEnumerable<T> items, Func<T, string> key) =>
        items.ToFrozenDictionary(key, StringComparer.Ordinal);
}
