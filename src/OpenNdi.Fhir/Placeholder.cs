namespace OpenNdi.Fhir;
internal static class Placeholder { }
