#include "services/extractor/sources/opendental/opendental_tables.h"

#include <algorithm>
#include <cstring>

namespace bridgework::extractor::opendental {
namespace {

bool Contains(const std::vector<const char*>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const char* n) { return name == n; });
}

// Enum values as the Open Dental 24.3 documentation lists them.

const EnumDef kApptPriority{"ApptPriority", {{0, "Normal"}, {1, "ASAP"}}};
const EnumDef kApptStatus{"ApptStatus",
                          {{0, "None"},
                           {1, "Scheduled"},
                           {2, "Complete"},
                           {3, "UnschedList"},
                           {4, "ASAP"},
                           {5, "Broken"},
                           {6, "Planned"},
                           {7, "PtNote"},
                           {8, "PtNoteCompleted"}}};
const EnumDef kBypassLockStatus{
    "BypassLockStatus",
    {{0, "NeverBypass"}, {1, "BypassIfZero"}, {2, "BypassAlways"}}};
const EnumDef kClaimCorrectionType{
    "ClaimCorrectionType", {{0, "Original"}, {1, "Replacement"}, {2, "Void"}}};
const EnumDef kClaimProcStatus{"ClaimProcStatus",
                               {{0, "NotReceived"},
                                {1, "Received"},
                                {2, "Preauth"},
                                {3, "Adjustment"},
                                {4, "Supplemental"},
                                {5, "CapClaim"},
                                {6, "Estimate"},
                                {7, "CapComplete"},
                                {8, "CapEstimate"},
                                {9, "InsHist"}}};
const EnumDef kCommItemMode{"CommItemMode",
                            {{0, "None"},
                             {1, "Email"},
                             {2, "Mail"},
                             {3, "Phone"},
                             {4, "InPerson"},
                             {5, "Text"},
                             {6, "EmailAndText"},
                             {7, "PhoneAndText"},
                             {8, "Fax"}}};
const EnumDef kCommItemSource{"CommItemSource",
                              {{0, "User"},
                               {1, "WebSched"},
                               {2, "ProgramLink"},
                               {3, "ApptReminder"},
                               {4, "EServices"},
                               {5, "SupplementalBackup"},
                               {6, "ApptThankYou"},
                               {7, "FHIR"},
                               {8, "NewPatThankYou"},
                               {9, "MsgToPay"}}};
const EnumDef kCommSentOrReceived{
    "CommSentOrReceived", {{0, "Neither"}, {1, "Sent"}, {2, "Received"}}};
const EnumDef kContactMethod{"ContactMethod",
                             {{0, "None"},
                              {1, "DoNotCall"},
                              {2, "HmPhone"},
                              {3, "WkPhone"},
                              {4, "WirelessPh"},
                              {5, "Email"},
                              {6, "SeeNotes"},
                              {7, "Mail"},
                              {8, "TextMessage"}}};
const EnumDef kCreditCardSource{"CreditCardSource",
                                {{0, "None"},
                                 {1, "XServer"},
                                 {2, "XWeb"},
                                 {3, "PayConnect"},
                                 {4, "XServerPayConnect"},
                                 {5, "XWebPortalLogin"},
                                 {6, "PaySimple"},
                                 {7, "PaySimpleACH"},
                                 {8, "PayConnectPortal"},
                                 {9, "PayConnectPortalLogin"},
                                 {10, "CareCredit"},
                                 {11, "EdgeExpressRCM"},
                                 {12, "EdgeExpressCNP"},
                                 {13, "API"},
                                 {14, "EdgeExpressPaymentPortal"},
                                 {15, "EdgeExpressPaymentPortalGuest"},
                                 {16, "PayConnectPaymentPortal"},
                                 {17, "PayConnectPaymentPortalGuest"},
                                 {18, "PaySimplePaymentPortal"},
                                 {19, "PaySimplePaymentPortalGuest"},
                                 {20, "PaySimplePaymentPortalACH"},
                                 {21, "XWebPaymentPortal"},
                                 {22, "XWebPaymentPortalGuest"}}};
const EnumDef kDateIllnessInjuryPregQualifier{
    "DateIllnessInjuryPregQualifier",
    {{0, "None"}, {431, "OnsetCurSymptoms"}, {484, "LastMenstrualPeriod"}}};
const EnumDef kDateOtherQualifier{"DateOtherQualifier",
                                  {{0, "None"},
                                   {90, "ReportStart"},
                                   {91, "ReportEnd"},
                                   {304, "LatestVisitConsult"},
                                   {439, "Accident"},
                                   {444, "FirstVisitConsult"},
                                   {453, "ChronicCondManifest"},
                                   {454, "InitialTreatment"},
                                   {455, "LastXray"},
                                   {471, "Prescription"}}};
const EnumDef kEclaimCobInsPaidBehavior{
    "EclaimCobInsPaidBehavior",
    {{0, "Default"}, {1, "ClaimLevel"}, {2, "ProcedureLevel"}, {3, "Both"}}};
const EnumDef kEnumClaimMedType{
    "EnumClaimMedType", {{0, "Dental"}, {1, "Medical"}, {2, "Institutional"}}};
const EnumDef kEnumClaimSpecialProgram{"EnumClaimSpecialProgram",
                                       {{0, "none"},
                                        {1, "EPSDT_1"},
                                        {2, "Handicapped_2"},
                                        {3, "SpecialFederal_3"},
                                        {4, "Disability_5"},
                                        {5, "SecondOpinion_9"}}};
const EnumDef kEnumCobRule{
    "EnumCobRule",
    {{0, "Basic"}, {1, "Standard"}, {2, "CarveOut"}, {3, "SecondaryMedicaid"}}};
const EnumDef kEnumCommReferralBehavior{
    "EnumCommReferralBehavior",
    {{0, "None"}, {1, "TopAnchored"}, {2, "Hidden"}}};
const EnumDef kEnumOcrCaptureType{"EnumOcrCaptureType",
                                  {{0, "Miscellaneous"},
                                   {1, "PrimaryInsFront"},
                                   {2, "PrimaryInsBack"},
                                   {3, "SecondaryInsFront"},
                                   {4, "SecondaryInsBack"}}};
const EnumDef kEnumOrthoInsPayConsolidate{
    "EnumOrthoInsPayConsolidate",
    {{0, "Global"}, {1, "ForceConsolidateOn"}, {2, "ForceConsolidateOff"}}};
const EnumDef kEnumProcDrugUnit{"EnumProcDrugUnit",
                                {{0, "None"},
                                 {1, "InternationalUnit"},
                                 {2, "Gram"},
                                 {3, "Milligram"},
                                 {4, "Milliliter"},
                                 {5, "Unit"}}};
const EnumDef kEraAutomationMode{"EraAutomationMode",
                                 {{0, "UseGlobal"},
                                  {1, "ReviewAll"},
                                  {2, "SemiAutomatic"},
                                  {3, "FullyAutomatic"}}};
const EnumDef kErxEnabledStatus{
    "ErxEnabledStatus",
    {{0, "Disabled"}, {1, "Enabled"}, {2, "EnabledWithLegacy"}}};
const EnumDef kExclusionRule{
    "ExclusionRule",
    {{0, "PracticeDefault"}, {1, "DoNothing"}, {2, "UseUcrFee"}}};
const EnumDef kImageType{"ImageType",
                         {{0, "Document"},
                          {1, "Radiograph"},
                          {2, "Photo"},
                          {3, "File"},
                          {4, "Attachment"}}};
const EnumDef kNoSendElectType{
    "NoSendElectType",
    {{0, "SendElect"}, {1, "NoSendElect"}, {2, "NoSendSecondaryElect"}}};
const EnumDef kOrthoAutoProcFrequency{
    "OrthoAutoProcFrequency",
    {{0, "Monthly"}, {1, "Quarterly"}, {2, "SemiAnnual"}, {3, "Annual"}}};
const EnumDef kOrthoClaimType{"OrthoClaimType",
                              {{0, "InitialClaimOnly"},
                               {1, "InitialPlusVisit"},
                               {2, "InitialPlusPeriodic"}}};
const EnumDef kPatientGender{
    "PatientGender",
    {{0, "Male"}, {1, "Female"}, {2, "Unknown"}, {3, "Other"}}};
const EnumDef kPatientGrade{"PatientGrade",
                            {{0, "Unknown"},
                             {1, "First"},
                             {2, "Second"},
                             {3, "Third"},
                             {4, "Fourth"},
                             {5, "Fifth"},
                             {6, "Sixth"},
                             {7, "Seventh"},
                             {8, "Eighth"},
                             {9, "Ninth"},
                             {10, "Tenth"},
                             {11, "Eleventh"},
                             {12, "Twelfth"},
                             {13, "PrenatalWIC"},
                             {14, "PreK"},
                             {15, "Kindergarten"},
                             {16, "Other"}}};
const EnumDef kPatientPosition{"PatientPosition",
                               {{0, "Single"},
                                {1, "Married"},
                                {2, "Child"},
                                {3, "Widowed"},
                                {4, "Divorced"}}};
const EnumDef kPatientStatus{"PatientStatus",
                             {{0, "Patient"},
                              {1, "NonPatient"},
                              {2, "Inactive"},
                              {3, "Archived"},
                              {4, "Deleted"},
                              {5, "Deceased"},
                              {6, "Prospective"}}};
const EnumDef kPayPlanDebitTypes{
    "PayPlanDebitTypes", {{0, "Unknown"}, {1, "Principal"}, {2, "Interest"}}};
const EnumDef kPaymentStatus{"PaymentStatus",
                             {{0, "None"},
                              {1, "PaySimpleAchPosted"},
                              {2, "PaySimpleAchSettled"},
                              {3, "PaySimpleAchFailed"}}};
const EnumDef kPlaceOfService{"PlaceOfService",
                              {{0, "Office"},
                               {1, "PatientsHome"},
                               {2, "InpatHospital"},
                               {3, "OutpatHospital"},
                               {4, "SkilledNursFac"},
                               {5, "CustodialCareFacility"},
                               {6, "OtherLocation"},
                               {7, "MobileUnit"},
                               {8, "School"},
                               {9, "MilitaryTreatFac"},
                               {10, "FederalHealthCenter"},
                               {11, "PublicHealthClinic"},
                               {12, "RuralHealthClinic"},
                               {13, "EmergencyRoomHospital"},
                               {14, "AmbulatorySurgicalCenter"},
                               {15, "TelehealthOutsideHome"},
                               {16, "TelehealthInHome"},
                               {17, "OutreachSiteOrStreet"}}};
const EnumDef kProcStat{"ProcStat",
                        {{1, "TP"},
                         {2, "C"},
                         {3, "EC"},
                         {4, "EO"},
                         {5, "R"},
                         {6, "D"},
                         {7, "Cn"},
                         {8, "TPi"}}};
const EnumDef kProcUnitQtyType{
    "ProcUnitQtyType",
    {{0, "MultProcs"}, {1, "MinutesAnesth"}, {2, "ServiceUnits"}, {3, "Days"}}};
const EnumDef kProcUrgency{"ProcUrgency", {{0, "Normal"}, {1, "Emergency"}}};
const EnumDef kProcessStat{
    "ProcessStat",
    {{0, "OfficeProcessed"}, {1, "OnlineProcessed"}, {2, "OnlinePending"}}};
const EnumDef kProviderStatus{"ProviderStatus",
                              {{0, "Active"}, {1, "Deleted"}}};
const EnumDef kRecallPriority{"RecallPriority", {{0, "Normal"}, {1, "ASAP"}}};
const EnumDef kReferralToStatus{"ReferralToStatus",
                                {{0, "None"},
                                 {1, "Declined"},
                                 {2, "Scheduled"},
                                 {3, "Consulted"},
                                 {4, "InTreatment"},
                                 {5, "Complete"}}};
const EnumDef kReferralType{"ReferralType",
                            {{0, "RefTo"}, {1, "RefFrom"}, {2, "RefCustom"}}};
const EnumDef kRelat{"Relat",
                     {{0, "Self"},
                      {1, "Spouse"},
                      {2, "Child"},
                      {3, "Employee"},
                      {4, "HandicapDep"},
                      {5, "SignifOther"},
                      {6, "InjuredPlaintiff"},
                      {7, "LifePartner"},
                      {8, "Dependent"}}};
const EnumDef kSubstitutionCondition{"SubstitutionCondition",
                                     {{0, "Always"},
                                      {1, "Molar"},
                                      {2, "SecondMolar"},
                                      {3, "Never"},
                                      {4, "Posterior"}}};
const EnumDef kToothPaintingType{"ToothPaintingType",
                                 {{0, "None"},
                                  {1, "Extraction"},
                                  {2, "Implant"},
                                  {3, "RCT"},
                                  {4, "PostBU"},
                                  {5, "FillingDark"},
                                  {6, "FillingLight"},
                                  {7, "CrownDark"},
                                  {8, "CrownLight"},
                                  {9, "BridgeDark"},
                                  {10, "BridgeLight"},
                                  {11, "DentureDark"},
                                  {12, "DentureLight"},
                                  {13, "Sealant"},
                                  {14, "Veneer"},
                                  {15, "Text"},
                                  {16, "RetainedRoot"},
                                  {17, "SpaceMaintainer"}}};
const EnumDef kTreatPlanStatus{"TreatPlanStatus",
                               {{0, "Saved"}, {1, "Active"}, {2, "Inactive"}}};
const EnumDef kTreatPlanType{"TreatPlanType",
                             {{0, "Insurance"}, {1, "Discount"}}};
const EnumDef kTreatmentArea{"TreatmentArea",
                             {{0, "None"},
                              {1, "Surf"},
                              {2, "Tooth"},
                              {3, "Mouth"},
                              {4, "Quad"},
                              {5, "Sextant"},
                              {6, "Arch"},
                              {7, "ToothRange"}}};
const EnumDef kTreatmentUrgency{
    "TreatmentUrgency",
    {{0, "Unknown"}, {1, "NoProblems"}, {2, "NeedsCare"}, {3, "Urgent"}}};
const EnumDef kYN{"YN", {{0, "Unknown"}, {1, "Yes"}, {2, "No"}}};

const std::vector<TableSpec>& BuildTables() {
  static const auto* tables = new std::vector<TableSpec>{
      {.table = "provider",
       .key = "ProvNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"ProvNumBillingOverride", "provider"}},
       .other_foreign_keys = {"FeeSched", "Specialty", "SchoolClassNum"},
       .enums = {{"ProvStatus", &kProviderStatus},
                 {"IsErxEnabled", &kErxEnabledStatus}},
       .money = {"HourlyProdGoalAmt"},
       .minus_one_null = {},
       .bools = {"IsSecondary", "IsHidden", "UsingTIN", "SigOnFile", "IsCDAnet",
                 "IsNotPerson", "IsInstructor", "IsHiddenReport"},
       .omitted = {}},
      {.table = "clinic",
       .key = "ClinicNum",
       .updated_at = "",
       .updated_at_local = false,
       .references = {{"InsBillingProv", "provider"},
                      {"DefaultProv", "provider"}},
       .other_foreign_keys = {"EmailAddressNum", "Region"},
       .enums = {{"DefaultPlaceService", &kPlaceOfService}},
       .money = {"SmsMonthlyLimit"},
       .minus_one_null = {},
       .bools = {"IsMedicalOnly", "UseBillAddrOnClaims", "IsInsVerifyExcluded",
                 "IsConfirmEnabled", "IsConfirmDefault", "IsNewPatApptExcluded",
                 "IsHidden", "HasProcOnRx"},
       .omitted = {}},
      {.table = "patient",
       .key = "PatNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"Guarantor", "patient"},
                      {"PriProv", "provider"},
                      {"SecProv", "provider"},
                      {"ClinicNum", "clinic"},
                      {"ResponsParty", "patient"},
                      {"SuperFamily", "patient"}},
       .other_foreign_keys = {"FeeSched", "BillingType", "EmployerNum",
                              "SiteNum", "SecUserNumEntry"},
       .enums = {{"PatStatus", &kPatientStatus},
                 {"Gender", &kPatientGender},
                 {"Position", &kPatientPosition},
                 {"GradeLevel", &kPatientGrade},
                 {"Urgency", &kTreatmentUrgency},
                 {"PreferConfirmMethod", &kContactMethod},
                 {"PreferContactMethod", &kContactMethod},
                 {"PreferRecallMethod", &kContactMethod},
                 {"PreferContactConfidential", &kContactMethod},
                 {"TxtMsgOk", &kYN}},
       .money = {"EstBalance", "Bal_0_30", "Bal_31_60", "Bal_61_90",
                 "BalOver90", "InsEst", "BalTotal", "PayPlanDue"},
       .minus_one_null = {},
       .bools = {"PlannedIsDone", "Premed", "HasSuperBilling", "HasSignedTil"},
       .omitted = {"SecurityHash"}},
      {.table = "referral",
       .key = "ReferralNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"}},
       .other_foreign_keys = {"Specialty", "Slip"},
       .enums = {},
       .money = {},
       .minus_one_null = {},
       .bools = {"UsingTIN", "IsHidden", "NotPerson", "IsDoctor",
                 "IsTrustedDirect", "IsPreferred"},
       .omitted = {}},
      {.table = "procedurecode",
       .key = "CodeNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"ProvNumDefault", "provider"}},
       .other_foreign_keys = {"ProcCat"},
       .enums = {{"TreatArea", &kTreatmentArea},
                 {"PaintType", &kToothPaintingType},
                 {"SubstOnlyIf", &kSubstitutionCondition},
                 {"BypassGlobalLock", &kBypassLockStatus}},
       .money = {},
       .minus_one_null = {},
       .bools = {"NoBillIns", "IsProsth", "IsHygiene", "IsTaxed",
                 "IsCanadianLab", "IsMultiVisit", "IsRadiology"},
       .omitted = {}},
      {.table = "carrier",
       .key = "CarrierNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {},
       .other_foreign_keys = {"CanadianNetworkNum", "SecUserNumEntry",
                              "CarrierGroupName"},
       .enums = {{"NoSendElect", &kNoSendElectType},
                 {"CobInsPaidBehaviorOverride", &kEclaimCobInsPaidBehavior},
                 {"EraAutomationOverride", &kEraAutomationMode},
                 {"OrthoInsPayConsolidate", &kEnumOrthoInsPayConsolidate}},
       .money = {},
       .minus_one_null = {},
       .bools = {"IsCDA", "IsHidden", "IsCoinsuranceInverted"},
       .omitted = {}},
      {.table = "insplan",
       .key = "PlanNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {{"CarrierNum", "carrier"}},
       .other_foreign_keys = {"FeeSched", "ClaimFormNum", "CopayFeeSched",
                              "EmployerNum", "AllowedFeeSched", "FilingCode",
                              "FilingCodeSubtype", "SecUserNumEntry",
                              "BillingType", "ManualFeeSchedNum"},
       .enums = {{"CobRule", &kEnumCobRule},
                 {"OrthoType", &kOrthoClaimType},
                 {"OrthoAutoProcFreq", &kOrthoAutoProcFrequency},
                 {"ExclusionFeeRule", &kExclusionRule}},
       .money = {"OrthoAutoFeeBilled", "PerVisitPatAmount",
                 "PerVisitInsAmount"},
       .minus_one_null = {},
       .bools = {"UseAltCode", "ClaimsUseUCR", "IsMedical", "ShowBaseUnits",
                 "CodeSubstNone", "IsHidden", "HasPpoSubstWriteoffs",
                 "IsBlueBookEnabled"},
       .omitted = {}},
      {.table = "inssub",
       .key = "InsSubNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {{"PlanNum", "insplan"}, {"Subscriber", "patient"}},
       .other_foreign_keys = {"SecUserNumEntry"},
       .enums = {},
       .money = {},
       .minus_one_null = {},
       .bools = {"ReleaseInfo", "AssignBen"},
       .omitted = {}},
      {.table = "patplan",
       .key = "PatPlanNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"}, {"InsSubNum", "inssub"}},
       .other_foreign_keys = {},
       .enums = {{"Relationship", &kRelat}},
       .money = {"OrthoAutoFeeBilledOverride"},
       .minus_one_null = {},
       .bools = {"IsPending"},
       .omitted = {}},
      {.table = "appointment",
       .key = "AptNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"},
                      {"ProvNum", "provider"},
                      {"ProvHyg", "provider"},
                      {"NextAptNum", "appointment"},
                      {"ClinicNum", "clinic"},
                      {"InsPlan1", "insplan"},
                      {"InsPlan2", "insplan"}},
       .other_foreign_keys = {"Confirmed", "Op", "UnschedStatus", "Assistant",
                              "AppointmentTypeNum", "SecUserNumEntry"},
       .enums = {{"AptStatus", &kApptStatus}, {"Priority", &kApptPriority}},
       .money = {},
       .minus_one_null = {},
       .bools = {"TimeLocked", "IsNewPatient", "IsHygiene"},
       .omitted = {"SecurityHash"}},
      {.table = "procedurelog",
       .key = "ProcNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"},
                      {"AptNum", "appointment"},
                      {"ProvNum", "provider"},
                      {"PlannedAptNum", "appointment"},
                      {"ClinicNum", "clinic"},
                      {"ProcNumLab", "procedurelog"},
                      {"CodeNum", "procedurecode"},
                      {"ProvOrderOverride", "provider"},
                      {"OrderingReferralNum", "referral"}},
       .other_foreign_keys = {"Priority", "Dx", "BillingTypeOne",
                              "BillingTypeTwo", "SiteNum", "Prognosis",
                              "StatementNum", "RepeatChargeNum",
                              "SecUserNumEntry"},
       .enums = {{"ProcStatus", &kProcStat},
                 {"PlaceService", &kPlaceOfService},
                 {"DrugUnit", &kEnumProcDrugUnit},
                 {"UnitQtyType", &kProcUnitQtyType},
                 {"Urgency", &kProcUrgency}},
       .money = {"ProcFee", "Discount", "TaxAmt", "DiscountPlanAmt"},
       .minus_one_null = {},
       .bools = {"IsPrincDiag", "HideGraphics", "IsLocked", "IsDateProsthEst",
                 "IsCpoe"},
       .omitted = {}},
      {.table = "procnote",
       .key = "ProcNoteNum",
       .updated_at = "EntryDateTime",
       .updated_at_local = true,
       .references = {{"PatNum", "patient"}, {"ProcNum", "procedurelog"}},
       .other_foreign_keys = {"UserNum"},
       .enums = {},
       .money = {},
       .minus_one_null = {},
       .bools = {"SigIsTopaz"},
       .omitted = {"Signature"}},
      {.table = "document",
       .key = "DocNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"}, {"ProvNum", "provider"}},
       .other_foreign_keys = {"DocCategory", "MountItemNum"},
       .enums = {{"ImgType", &kImageType},
                 {"ImageCaptureType", &kEnumOcrCaptureType}},
       .money = {},
       .minus_one_null = {},
       .bools = {"IsFlipped", "SigIsTopaz", "IsCropOld", "PrintHeading"},
       .omitted = {"Signature", "RawBase64", "Thumbnail"}},
      {.table = "treatplan",
       .key = "TreatPlanNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"},
                      {"ResponsParty", "patient"},
                      {"DocNum", "document"}},
       .other_foreign_keys = {"SecUserNumEntry", "UserNumPresenter",
                              "MobileAppDeviceNum"},
       .enums = {{"TPStatus", &kTreatPlanStatus}, {"TPType", &kTreatPlanType}},
       .money = {},
       .minus_one_null = {},
       .bools = {"SigIsTopaz"},
       .omitted = {"Signature", "SignaturePractice"}},
      {.table = "claim",
       .key = "ClaimNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"},
                      {"PlanNum", "insplan"},
                      {"ProvTreat", "provider"},
                      {"ProvBill", "provider"},
                      {"ReferringProv", "referral"},
                      {"PlanNum2", "insplan"},
                      {"ClinicNum", "clinic"},
                      {"InsSubNum", "inssub"},
                      {"InsSubNum2", "inssub"},
                      {"ProvOrderOverride", "provider"},
                      {"OrderingReferralNum", "referral"}},
       .other_foreign_keys = {"ClaimForm", "CustomTracking", "SecUserNumEntry"},
       .enums = {{"PlaceService", &kPlaceOfService},
                 {"EmployRelated", &kYN},
                 {"PatRelat", &kRelat},
                 {"PatRelat2", &kRelat},
                 {"SpecialProgramCode", &kEnumClaimSpecialProgram},
                 {"MedType", &kEnumClaimMedType},
                 {"CorrectionType", &kClaimCorrectionType},
                 {"DateIllnessInjuryPregQualifier",
                  &kDateIllnessInjuryPregQualifier},
                 {"DateOtherQualifier", &kDateOtherQualifier}},
       .money = {"ClaimFee", "InsPayEst", "InsPayAmt", "DedApplied", "WriteOff",
                 "CanadaInitialPayment", "CanadaAnticipatedPayAmount",
                 "ShareOfCost"},
       .minus_one_null = {},
       .bools = {"IsOrtho", "IsOutsideLab"},
       .omitted = {"SecurityHash"}},
      {.table = "claimproc",
       .key = "ClaimProcNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {{"ProcNum", "procedurelog"},
                      {"ClaimNum", "claim"},
                      {"PatNum", "patient"},
                      {"ProvNum", "provider"},
                      {"PlanNum", "insplan"},
                      {"ClinicNum", "clinic"},
                      {"InsSubNum", "inssub"}},
       .other_foreign_keys = {"ClaimPaymentNum", "PayPlanNum",
                              "ClaimPaymentTracking", "SecUserNumEntry"},
       .enums = {{"Status", &kClaimProcStatus}},
       .money = {"FeeBilled", "InsPayEst", "DedApplied", "InsPayAmt",
                 "WriteOff", "AllowedOverride", "CopayAmt", "PaidOtherIns",
                 "BaseEst", "CopayOverride", "DedEst", "DedEstOverride",
                 "InsEstTotal", "InsEstTotalOverride", "PaidOtherInsOverride",
                 "WriteOffEst", "WriteOffEstOverride"},
       .minus_one_null = {"CopayAmt", "PaidOtherIns", "CopayOverride", "DedEst",
                          "DedEstOverride", "InsEstTotalOverride",
                          "PaidOtherInsOverride", "WriteOffEst",
                          "WriteOffEstOverride"},
       .bools = {"NoBillIns", "IsTransfer", "IsOverpay"},
       .omitted = {"SecurityHash"}},
      {.table = "payment",
       .key = "PayNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"}, {"ClinicNum", "clinic"}},
       .other_foreign_keys = {"PayType", "DepositNum", "SecUserNumEntry"},
       .enums = {{"PaymentSource", &kCreditCardSource},
                 {"ProcessStatus", &kProcessStat},
                 {"PaymentStatus", &kPaymentStatus}},
       .money = {"PayAmt", "MerchantFee"},
       .minus_one_null = {},
       .bools = {"IsSplit", "IsRecurringCC", "IsCcCompleted"},
       .omitted = {}},
      {.table = "paysplit",
       .key = "SplitNum",
       .updated_at = "SecDateTEdit",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"},
                      {"PayNum", "payment"},
                      {"ProvNum", "provider"},
                      {"ProcNum", "procedurelog"},
                      {"ClinicNum", "clinic"}},
       .other_foreign_keys = {"PayPlanNum", "UnearnedType", "SecUserNumEntry",
                              "AdjNum", "PayPlanChargeNum"},
       .enums = {{"PayPlanDebitType", &kPayPlanDebitTypes}},
       .money = {"SplitAmt"},
       .minus_one_null = {},
       .bools = {"IsDiscount"},
       .omitted = {"SecurityHash"}},
      {.table = "recall",
       .key = "RecallNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"}},
       .other_foreign_keys = {"RecallStatus", "RecallTypeNum"},
       .enums = {{"Priority", &kRecallPriority}},
       .money = {"DisableUntilBalance"},
       .minus_one_null = {},
       .bools = {"IsDisabled"},
       .omitted = {}},
      {.table = "commlog",
       .key = "CommlogNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"PatNum", "patient"}, {"ReferralNum", "referral"}},
       .other_foreign_keys = {"CommType", "UserNum", "ProgramNum"},
       .enums = {{"Mode_", &kCommItemMode},
                 {"SentOrReceived", &kCommSentOrReceived},
                 {"CommSource", &kCommItemSource},
                 {"CommReferralBehavior", &kEnumCommReferralBehavior}},
       .money = {},
       .minus_one_null = {},
       .bools = {"SigIsTopaz"},
       .omitted = {"Signature"}},
      {.table = "refattach",
       .key = "RefAttachNum",
       .updated_at = "DateTStamp",
       .updated_at_local = false,
       .references = {{"ReferralNum", "referral"},
                      {"PatNum", "patient"},
                      {"ProcNum", "procedurelog"},
                      {"ProvNum", "provider"}},
       .other_foreign_keys = {},
       .enums = {{"RefType", &kReferralType},
                 {"RefToStatus", &kReferralToStatus}},
       .money = {},
       .minus_one_null = {},
       .bools = {"IsTransitionOfCare"},
       .omitted = {}},
  };
  return *tables;
}
}  // namespace

const char* EnumDef::Find(int64_t code) const {
  for (const auto& [value, name] : values) {
    if (value == code) return name;
  }
  return nullptr;
}

const Reference* TableSpec::FindReference(std::string_view column) const {
  for (const Reference& r : references) {
    if (column == r.column) return &r;
  }
  return nullptr;
}

const EnumDef* TableSpec::FindEnum(std::string_view column) const {
  for (const EnumColumn& e : enums) {
    if (column == e.column) return e.def;
  }
  return nullptr;
}

bool TableSpec::IsOtherForeignKey(std::string_view column) const {
  return Contains(other_foreign_keys, column);
}
bool TableSpec::IsMoney(std::string_view column) const {
  return Contains(money, column);
}
bool TableSpec::IsMinusOneNull(std::string_view column) const {
  return Contains(minus_one_null, column);
}
bool TableSpec::IsBool(std::string_view column) const {
  return Contains(bools, column);
}
bool TableSpec::IsOmitted(std::string_view column) const {
  return Contains(omitted, column);
}

std::vector<const char*> TableSpec::DependsOn() const {
  std::vector<const char*> out;
  for (const Reference& r : references) {
    if (std::strcmp(r.table, table) == 0) continue;
    if (!Contains(out, r.table)) out.push_back(r.table);
  }
  return out;
}

const std::vector<TableSpec>& Tables() { return BuildTables(); }

const TableSpec* FindTable(std::string_view table) {
  for (const TableSpec& spec : Tables()) {
    if (table == spec.table) return &spec;
  }
  return nullptr;
}

}  // namespace bridgework::extractor::opendental
