using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Merging;

/// <summary>
/// Walks a resource's element tree (Firely's <see cref="Base.EnumerateElements"/>), for the references and identifiers
/// inside it. The walk fills a list in one recursive pass: nested iterators would hand every element up through each
/// level above it, which cost more than the walk itself on every item of every provider answer (issue 16). A primitive
/// (most of the elements) is entered only when it has extensions: nothing else in it can be a reference or identifier.
/// </summary>
public static class ResourceWalk
{
    /// <summary>Every element below <paramref name="node"/>, depth first; contained resources included.</summary>
    public static IReadOnlyList<Base> Descendants(Base node) => Collect<Base>(node);

    /// <summary>Every reference below <paramref name="node"/>, depth first; contained resources included.</summary>
    public static IReadOnlyList<ResourceReference> References(Base node) => Collect<ResourceReference>(node);

    /// <summary>Every identifier below <paramref name="node"/>, depth first; contained resources included.</summary>
    public static IReadOnlyList<Identifier> Identifiers(Base node) => Collect<Identifier>(node);

    private static List<T> Collect<T>(Base node) where T : Base
    {
        var found = new List<T>();
        Walk(node, found);
        return found;
    }

    private static void Walk<T>(Base node, List<T> found) where T : Base
    {
        foreach (var (_, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Visit(child, found);
                    break;
                case IEnumerable<Base> children:
                    foreach (var child in children)
                        Visit(child, found);
                    break;
            }
        }
    }

    private static void Visit<T>(Base child, List<T> found) where T : Base
    {
        if (child is T match)
            found.Add(match);
        // A primitive's children are its extensions, which may hold references and identifiers.
        if (child is not PrimitiveType { Extension.Count: 0 })
            Walk(child, found);
    }
}
