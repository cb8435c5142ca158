namespace OpenNdi.Synthetic;
internal static class Placeholder { }
